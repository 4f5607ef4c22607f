/** The gateway app as a child process against a given connection file (dev ledger or Fabric). */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort, MissingPieceError, REPO_ROOT, waitReady } from './runtime';

export interface AppProcess {
  baseUrl: string;
  pid: number;
  identityDir: string;
  stop(): Promise<void>;
}

export async function startAppProcess(options: {
  ledger: 'dev' | 'fabric';
  connectionFile: string;
  dataDir: string;
  log: (line: string) => void;
}): Promise<AppProcess> {
  const main = path.join(REPO_ROOT, 'application', 'dist', 'main.js');
  try {
    require.resolve(main);
  } catch {
    throw new MissingPieceError('the gateway app (application/dist/main.js)', 'not built — run `npm run build`');
  }
  const port = await freePort();
  const identityDir = path.join(options.dataDir, 'identities');
  // The app's own flags, as `npm start` runs it, then extra ones (e.g. --cpu-prof) when diagnosing it.
  const { GATEWAY_NODE_FLAGS } = require(path.join(REPO_ROOT, 'application', 'node-flags.js')) as { GATEWAY_NODE_FLAGS: string[] };
  const nodeArgs = [...GATEWAY_NODE_FLAGS, ...(process.env.GRIDSHARE_APP_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const child = spawn(process.execPath, [...nodeArgs, main], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      GRIDSHARE_LEDGER: options.ledger,
      GRIDSHARE_NETWORK: options.connectionFile,
      GRIDSHARE_DATA_DIR: identityDir,
      GRIDSHARE_DEV_LOGIN: '1',
      GRIDSHARE_JWT_SECRET: randomBytes(32).toString('base64url'),
      GRIDSHARE_RATE_LIMIT_MAX: '100000000',
      GRIDSHARE_OPERATOR_SCHEDULER: '0',
      GRIDSHARE_SEED_DEMO: '0',
      LOG_LEVEL: 'warn',
    },
  });
  child.stderr?.on('data', (chunk: Buffer) => options.log(`[app] ${chunk.toString().trimEnd()}`));
  const baseUrl = `http://127.0.0.1:${port}`;
  await Promise.race([
    waitReady(baseUrl, 180_000),
    new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`gateway app exited during start-up (${code})`)))),
  ]);
  return {
    baseUrl,
    pid: child.pid ?? 0,
    identityDir,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}
