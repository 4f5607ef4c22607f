/**
 * A private Gridshare stack for one run: the dev ledger (with the chaincode in its own process)
 * in a temporary directory, and the gateway app — in this process, or as a child process so it
 * gets its own event loop (closer to production, and what the throughput benchmarks use).
 *
 * The dev ledger and the app are loaded at run time so that a missing piece is reported in plain
 * words instead of failing the build of the benchmarks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAppProcess } from './app-process';
import { freePort, MissingPieceError, REPO_ROOT, waitReady } from './runtime';

export { freePort, MissingPieceError, onInterrupt, REPO_ROOT, waitReady } from './runtime';

interface DevLedgerHandle {
  gatewayEndpoint: string;
  caUrl: string;
  connectionFile: string;
  close(): Promise<void>;
}
interface DevLedgerModule {
  startDevLedger(options: {
    dataDir: string;
    gatewayPort: number;
    caPort: number;
    chaincode: { mode: 'spawn'; dir: string };
    collectionsConfigPath?: string;
    reset: boolean;
  }): Promise<DevLedgerHandle>;
}
interface FastifyLike {
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<unknown>;
}
interface AppModule {
  buildApp(config: unknown): Promise<FastifyLike> | FastifyLike;
  loadConfig(env: NodeJS.ProcessEnv): unknown;
}

/** Requires the first candidate module that exports `exportName`, or explains what is missing. */
export function loadPiece<T>(piece: string, candidates: string[], exportName: keyof T & string): T {
  const problems: string[] = [];
  for (const id of candidates) {
    try {
      const mod = require(id) as T;
      if (typeof mod[exportName] === 'function') return mod;
      problems.push(`${id} has no ${exportName}()`);
    } catch (err) {
      problems.push(`${id}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new MissingPieceError(piece, `${problems.join('; ')} — build it with \`npm run build\``);
}

export function loadDevLedger(): DevLedgerModule {
  return loadPiece<DevLedgerModule>('the dev ledger (@gridshare/devledger)', ['@gridshare/devledger'], 'startDevLedger');
}

function loadApp(): AppModule {
  return loadPiece<AppModule>('the gateway app (@gridshare/application)', ['@gridshare/application'], 'buildApp');
}

export interface LocalStack {
  baseUrl: string;
  dataDir: string;
  connectionFile: string;
  /** The gateway app's identity store (household and staff keys). */
  identityDir: string;
  /** The app's process when it runs as a child (for its memory), else this process. */
  appPid: number;
  close(): Promise<void>;
}

export interface LocalStackOptions {
  /** 'child' runs the app as `node application/dist/main.js` with its own event loop. */
  appMode?: 'in-process' | 'child';
  keepData?: boolean;
  log?: (line: string) => void;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const { startDevLedger } = loadDevLedger();
  const appModule = options.appMode === 'child' ? null : loadApp();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gridshare-bench-'));
  log(`dev ledger: starting in ${dataDir}`);
  let ledger: DevLedgerHandle;
  try {
    ledger = await startDevLedger({
      dataDir: path.join(dataDir, 'devledger'),
      gatewayPort: 0,
      caPort: 0,
      chaincode: { mode: 'spawn', dir: path.join(REPO_ROOT, 'chaincode') },
      // Same override as the native network scripts; default: the chaincode's collections_config.json.
      ...(process.env.GRIDSHARE_COLLECTIONS_CONFIG ? { collectionsConfigPath: process.env.GRIDSHARE_COLLECTIONS_CONFIG } : {}),
      reset: true,
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const cleanup = async (): Promise<void> => {
    await ledger.close().catch(() => undefined);
    if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
  };
  const appDir = path.join(dataDir, 'app');
  const identityDir = path.join(appDir, 'identities');
  try {
    if (appModule) {
      const port = await freePort();
      const app = await appModule.buildApp(
        appModule.loadConfig({
          PORT: String(port),
          HOST: '127.0.0.1',
          GRIDSHARE_LEDGER: 'dev',
          GRIDSHARE_NETWORK: ledger.connectionFile,
          GRIDSHARE_DATA_DIR: identityDir,
          GRIDSHARE_DEV_LOGIN: '1',
          // The simulator is one client sending many users' requests: no rate limit in its way.
          GRIDSHARE_RATE_LIMIT_MAX: '100000000',
          // Operator clock: the simulation drives the intervals itself.
          GRIDSHARE_OPERATOR_SCHEDULER: '0',
          // Refusals reach the caller as HTTP errors; the app's own log would only repeat them.
          LOG_LEVEL: 'fatal',
        }),
      );
      await app.listen({ port, host: '127.0.0.1' });
      const baseUrl = `http://127.0.0.1:${port}`;
      await waitReady(baseUrl, 120_000);
      log(`gateway app: in process at ${baseUrl}`);
      return {
        baseUrl,
        dataDir,
        connectionFile: ledger.connectionFile,
        identityDir,
        appPid: process.pid,
        close: async () => {
          await app.close().catch(() => undefined);
          await cleanup();
        },
      };
    }
    const app = await startAppProcess({ ledger: 'dev', connectionFile: ledger.connectionFile, dataDir: appDir, log });
    log(`gateway app: child process ${app.pid} at ${app.baseUrl}`);
    return {
      baseUrl: app.baseUrl,
      dataDir,
      connectionFile: ledger.connectionFile,
      identityDir: app.identityDir,
      appPid: app.pid,
      close: async () => {
        await app.stop();
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
