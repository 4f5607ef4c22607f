/**
 * A real Fabric network for a benchmark, through the project's native scripts
 * (test-network-scripts/native/network.sh: release binaries, no Docker), in a private work directory.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './runtime';

const run = promisify(execFile);
export const REQUIRED_BINARIES = ['peer', 'orderer', 'configtxgen', 'osnadmin'] as const;

/** Where the Fabric binaries are, or which are missing. */
export function findFabricBinaries(env: NodeJS.ProcessEnv = process.env): { dir: string | null; missing: string[] } {
  const dirs = env.FABRIC_BIN ? [env.FABRIC_BIN] : (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const executable = (file: string): boolean => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const missing = REQUIRED_BINARIES.filter((bin) => !dirs.some((d) => executable(path.join(d, bin))));
  const dir = dirs.find((d) => executable(path.join(d, 'peer'))) ?? null;
  return { dir, missing: [...missing] };
}

/** A chaincode deployed beside Gridshare on the same channel (`network.sh deploy` with GRIDSHARE_CC_*). */
export interface ExtraChaincode {
  name: string;
  /** Its project folder: package.json with `start:server`, fabric-contract-api and fabric-shim. */
  dir: string;
  /** Port of the utility's chaincode server on 127.0.0.1 (Gridshare's is 9999); the retailer's is 1000 above it. */
  serverPort: number;
  /** A query that answers once the server is reachable (its function name only). */
  probe: string;
}

export interface NativeNetwork {
  workDir: string;
  connectionFile: string;
  /** Installs the project's dependencies if needed, then deploys it as a second chaincode. */
  deployChaincode(chaincode: ExtraChaincode): Promise<void>;
  down(): Promise<void>;
}

/** npm install in a chaincode project without node_modules, serialised with other installs. */
async function installDependencies(dir: string, log: (line: string) => void): Promise<void> {
  if (existsSync(path.join(dir, 'node_modules', 'fabric-shim'))) return;
  log(`npm install in ${path.relative(REPO_ROOT, dir)} …`);
  await run('flock', ['/tmp/gridshare-npm.lock', 'npm', 'install', '--no-audit', '--no-fund', '--omit=dev'], {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
  });
}

export async function startNativeNetwork(log: (line: string) => void): Promise<NativeNetwork> {
  const script = path.join(REPO_ROOT, 'test-network-scripts', 'native', 'network.sh');
  const workDir = mkdtempSync(path.join(tmpdir(), 'gridshare-fabric-'));
  const env = { ...process.env, GRIDSHARE_FABRIC_DIR: workDir };
  const step = async (args: string[], extraEnv: Record<string, string> = {}): Promise<void> => {
    log(`network.sh ${args.join(' ')} …`);
    await run('bash', [script, ...args], { env: { ...env, ...extraEnv }, cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 });
  };
  const down = async (): Promise<void> => {
    await step(['down', '--purge']).catch((err: Error) => log(`network.sh down failed: ${err.message}`));
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    await step(['up']);
    await step(['deploy']);
  } catch (err) {
    const e = err as Error & { stderr?: string };
    await down();
    throw new Error(`the native network did not come up: ${e.message}\n${(e.stderr ?? '').slice(-2000)}`);
  }
  const deployChaincode = async (cc: ExtraChaincode): Promise<void> => {
    await installDependencies(cc.dir, log);
    await step(['deploy'], {
      GRIDSHARE_CC_NAME: cc.name,
      GRIDSHARE_CHAINCODE_DIR: cc.dir,
      GRIDSHARE_CC_SERVER_PORT: String(cc.serverPort),
      GRIDSHARE_CC_PROBE: cc.probe,
      GRIDSHARE_COLLECTIONS_CONFIG: 'none',
    });
  };
  return { workDir, connectionFile: path.join(workDir, 'connection.json'), deployChaincode, down };
}
