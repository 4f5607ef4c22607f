import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DevLedgerError } from '../errors';
import { ChaincodeConnection, type ExecutionRequest, type ExecutionResult, type RequestCounts } from './connection';

export type ChaincodeSource =
  /** Start `fabric-chaincode-node server` from `dir` (an npm project with fabric-shim); `modulePath` defaults to `dir`. */
  | { mode: 'spawn'; dir: string; modulePath?: string }
  /** Dial a chaincode server that is already running (chaincode as a service). */
  | { mode: 'external'; address: string };

export interface ChaincodeRuntimeOptions {
  source: ChaincodeSource;
  chaincodeId: string;
  host: string;
  log: (msg: string) => void;
  /** Restarts allowed after the spawned chaincode dies before giving up. */
  maxRestarts?: number;
}

/**
 * Keeps one live stream to the chaincode: spawns the chaincode server when asked to, dials it,
 * and on a lost stream restarts (spawn) or redials (external). Transactions in flight when the
 * stream drops fail with CHAINCODE_UNAVAILABLE.
 */
export class ChaincodeRuntime {
  private connection: ChaincodeConnection | undefined;
  /** State requests from the chaincode by message type, over every connection since start. */
  readonly requestCounts: RequestCounts = new Map();
  private connecting: Promise<ChaincodeConnection> | undefined;
  private child: ChildProcess | undefined;
  private restarts = 0;
  private closed = false;
  private lastFailure: Error | undefined;

  constructor(private readonly options: ChaincodeRuntimeOptions) {}

  async start(): Promise<void> {
    await this.ensureConnected();
  }

  async execute(request: ExecutionRequest): Promise<ExecutionResult> {
    const connection = this.connection?.isOpen ? this.connection : await this.ensureConnected();
    return connection.execute(request);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.connection?.close();
    await this.stopChild();
  }

  private ensureConnected(): Promise<ChaincodeConnection> {
    if (this.closed) return Promise.reject(new DevLedgerError('CHAINCODE_UNAVAILABLE', 'dev ledger is closed'));
    if (this.connection?.isOpen) return Promise.resolve(this.connection);
    if (!this.connecting) {
      this.connecting = this.connect().finally(() => (this.connecting = undefined));
    }
    return this.connecting;
  }

  private async connect(): Promise<ChaincodeConnection> {
    const { source } = this.options;
    let address: string;
    if (source.mode === 'spawn') {
      if (this.child && this.restarts > (this.options.maxRestarts ?? 3)) {
        throw new DevLedgerError('CHAINCODE_UNAVAILABLE', `chaincode keeps failing: ${this.lastFailure?.message ?? 'unknown'}`);
      }
      address = await this.spawnChild(source.dir, source.modulePath ?? source.dir);
    } else {
      address = source.address;
    }
    const connection = await ChaincodeConnection.connect(address, source.mode === 'spawn' ? 60_000 : 15_000, this.requestCounts);
    this.options.log(`chaincode ${connection.registeredName} registered from ${address}`);
    connection.onClosed((error) => {
      if (this.closed) return;
      this.lastFailure = error;
      this.options.log(`chaincode connection lost (${error.message}); reconnecting on next use`);
      if (source.mode === 'spawn') {
        this.restarts++;
        void this.stopChild();
      }
    });
    this.connection = connection;
    return connection;
  }

  private async spawnChild(dir: string, modulePath: string): Promise<string> {
    await this.stopChild();
    const cli = findChaincodeCli(dir);
    const port = await freePort(this.options.host);
    const address = `${this.options.host}:${port}`;
    // Extra node flags for the chaincode process (e.g. --cpu-prof, --inspect) when diagnosing it.
    const nodeArgs = (process.env.DEVLEDGER_CHAINCODE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(
      process.execPath,
      [...nodeArgs, cli, 'server', '--chaincode-address', address, '--chaincode-id', this.options.chaincodeId, '--module-path', path.resolve(modulePath)],
      {
        cwd: dir,
        env: {
          ...process.env,
          CORE_CHAINCODE_ID_NAME: this.options.chaincodeId,
          CHAINCODE_SERVER_ADDRESS: address,
          CORE_CHAINCODE_LOGGING_LEVEL: process.env.CORE_CHAINCODE_LOGGING_LEVEL ?? 'warning',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.options.log(`[chaincode] ${line}`);
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (!this.closed) {
        this.lastFailure = new Error(`chaincode process exited (code ${code}, signal ${signal})`);
        this.options.log(this.lastFailure.message);
        this.connection?.close();
      }
    });
    this.options.log(`started chaincode server (pid ${child.pid}) at ${address}`);
    return address;
  }

  private async stopChild(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    this.child = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

/** Locates fabric-shim's CLI (`fabric-chaincode-node`) as installed in the chaincode project. */
function findChaincodeCli(dir: string): string {
  try {
    const shimPackage = require.resolve('fabric-shim/package.json', { paths: [path.resolve(dir)] });
    const cli = path.join(path.dirname(shimPackage), 'cli.js');
    if (fs.existsSync(cli)) return cli;
  } catch {
    // fall through to the error below
  }
  throw new DevLedgerError(
    'CHAINCODE_NOT_INSTALLED',
    `fabric-shim is not installed in ${dir}; run npm install there (the chaincode project provides fabric-chaincode-node)`,
  );
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
