/**
 * A private Gridshare stack for one run: the dev ledger (with the chaincode in its own process)
 * in a temporary directory, and the gateway app — in this process, or as a child process so it
 * gets its own event loop (closer to production, and what the throughput benchmarks use).
 *
 * The dev ledger and the app are loaded at run time so that a missing piece is reported in plain
 * words instead of failing the build of the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** A piece of the system this run needs is not there (not built, or not written yet). */
export class MissingPieceError extends Error {
  constructor(readonly piece: string, detail: string) {
    super(`${piece} is not available: ${detail}`);
    this.name = 'MissingPieceError';
  }
}

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
    reset: boolean;
  }): Promise<DevLedgerHandle>;
}
interface FastifyLike {
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<unknown>;
  ready(): Promise<unknown>;
}
interface AppModule {
  buildApp(config: unknown): Promise<FastifyLike> | FastifyLike;
  loadConfig(env: NodeJS.ProcessEnv): unknown;
}

function load<T>(piece: string, candidates: string[], exportName: keyof T & string): T {
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
  return load<DevLedgerModule>('the dev ledger (@gridshare/devledger)', ['@gridshare/devledger'], 'startDevLedger');
}

function loadApp(): AppModule {
  const app = load<{ buildApp: AppModule['buildApp'] }>(
    'the gateway app (@gridshare/application)',
    ['@gridshare/application', '@gridshare/application/dist/app'],
    'buildApp',
  );
  const config = load<{ loadConfig: AppModule['loadConfig'] }>(
    'the gateway app configuration',
    ['@gridshare/application', '@gridshare/application/dist/config'],
    'loadConfig',
  );
  return { buildApp: app.buildApp, loadConfig: config.loadConfig };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface LocalStack {
  baseUrl: string;
  dataDir: string;
  connectionFile: string;
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

/** The app's environment for a benchmark stack: no rate limit in the way, no wall-clock scheduler. */
function appEnv(connectionFile: string, dataDir: string, port: number): NodeJS.ProcessEnv {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    GRIDSHARE_LEDGER: 'dev',
    GRIDSHARE_NETWORK: connectionFile,
    GRIDSHARE_DATA_DIR: path.join(dataDir, 'app', 'identities'),
    GRIDSHARE_DEV_LOGIN: '1',
    GRIDSHARE_RATE_LIMIT_MAX: '100000000',
    GRIDSHARE_OPERATOR_SCHEDULER: '0',
    GRIDSHARE_SEED_DEMO: '0',
    LOG_LEVEL: 'warn',
  };
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const { startDevLedger } = loadDevLedger();
  const appModule = options.appMode === 'child' ? null : loadApp();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gridshare-bench-'));
  log(`dev ledger: starting in ${dataDir}`);
  const ledger = await startDevLedger({
    dataDir: path.join(dataDir, 'devledger'),
    gatewayPort: 0,
    caPort: 0,
    chaincode: { mode: 'spawn', dir: path.join(REPO_ROOT, 'chaincode') },
    reset: true,
  });
  const cleanup = async (): Promise<void> => {
    await ledger.close().catch(() => undefined);
    if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const env = appEnv(ledger.connectionFile, dataDir, port);
    const baseUrl = `http://127.0.0.1:${port}`;
    if (appModule) {
      const app = await appModule.buildApp(appModule.loadConfig(env));
      await app.listen({ port, host: '127.0.0.1' });
      await waitReady(baseUrl, 120_000);
      log(`gateway app: in process at ${baseUrl}`);
      return {
        baseUrl,
        dataDir,
        connectionFile: ledger.connectionFile,
        appPid: process.pid,
        close: async () => {
          await app.close().catch(() => undefined);
          await cleanup();
        },
      };
    }
    const child = spawnApp(env, log);
    await Promise.race([waitReady(baseUrl, 120_000), exited(child)]);
    log(`gateway app: child process ${child.pid} at ${baseUrl}`);
    return {
      baseUrl,
      dataDir,
      connectionFile: ledger.connectionFile,
      appPid: child.pid ?? 0,
      close: async () => {
        await stopChild(child);
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

function spawnApp(env: NodeJS.ProcessEnv, log: (line: string) => void): ChildProcess {
  const main = path.join(REPO_ROOT, 'application', 'dist', 'main.js');
  try {
    require.resolve(main);
  } catch {
    throw new MissingPieceError('the gateway app (application/dist/main.js)', 'not built — run `npm run build`');
  }
  const child = spawn(process.execPath, [main], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => log(`[app] ${chunk.toString().trimEnd()}`));
  return child;
}

function exited(child: ChildProcess): Promise<never> {
  return new Promise((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`gateway app exited during start-up (${signal ?? code})`))),
  );
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(timer);
}

/** Polls GET /readyz until the app says the ledger and chaincode answer. */
export async function waitReady(baseUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.ok) return;
      last = `${res.status} ${(await res.text()).slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`gateway at ${baseUrl} not ready after ${timeoutMs / 1000}s (${last})`);
}
