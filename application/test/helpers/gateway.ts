import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { startDevLedger, type DevLedgerOptions } from '@gridshare/devledger';
import { buildApp } from '../../src/app';
import { loadConfig, type AppConfig } from '../../src/config';

const REPO = path.resolve(__dirname, '../../..');

export interface TestGateway {
  app: FastifyInstance;
  config: AppConfig;
  dir: string;
  token(user: string): Promise<string>;
  /** An injected request as `user` (or anonymous with `null`). */
  call(user: string | null, method: InjectOptions['method'], url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** The organizations of the app's test network: the dev ledger's utility and retailer, and an auditor. */
export const TEST_ORGS: NonNullable<DevLedgerOptions['orgs']> = [
  { mspId: 'UtilityMSP', caName: 'ca-utility', role: 'utility' },
  { mspId: 'RetailerMSP', caName: 'ca-retailer', role: 'retailer' },
  { mspId: 'AuditorMSP', caName: 'ca-auditor', role: 'auditor' },
];

/** Dev ledger settings a test file may change (block cutting, organizations). */
export type TestLedgerOptions = Pick<DevLedgerOptions, 'orgs' | 'blockMaxTx' | 'blockTimeoutMs'>;

/**
 * Starts the dev ledger (real chaincode spawned from chaincode/dist, with the chaincode's
 * collections_config.json) in a temp dir on free ports, and a gateway app over it; one per test file.
 */
export async function startTestGateway(env: Record<string, string> = {}, ledgerOptions: TestLedgerOptions = {}): Promise<TestGateway> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gridshare-app-'));
  const ledger = await startDevLedger({
    orgs: TEST_ORGS,
    ...ledgerOptions,
    dataDir: path.join(dir, 'ledger'),
    gatewayPort: 0,
    caPort: 0,
    chaincode: { mode: 'spawn', dir: path.join(REPO, 'chaincode') },
    reset: true,
  });
  const config = loadConfig({
    GRIDSHARE_NETWORK: ledger.connectionFile,
    GRIDSHARE_DATA_DIR: path.join(dir, 'gateway', 'identities'),
    GRIDSHARE_OPERATOR_SCHEDULER: '0',
    GRIDSHARE_RATE_LIMIT_MAX: '1000000',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    ...env,
  });
  const app = await buildApp(config);
  try {
    await app.ready();
  } catch (err) {
    await app.close().catch(() => undefined);
    await ledger.close();
    throw err;
  }
  const tokens = new Map<string, string>();
  const token = async (user: string) => {
    let t = tokens.get(user);
    if (!t) {
      const res = await app.inject({ method: 'POST', url: '/v1/dev/login', payload: { user } });
      if (res.statusCode !== 200) throw new Error(`login ${user}: ${res.statusCode} ${res.body}`);
      t = (res.json() as { token: string }).token;
      tokens.set(user, t);
    }
    return t;
  };
  return {
    app,
    config,
    dir,
    token,
    async call(user, method, url, body, headers = {}) {
      const auth: Record<string, string> = user ? { authorization: `Bearer ${await token(user)}` } : {};
      return app.inject({ method, url, headers: { ...auth, ...headers }, ...(body === undefined ? {} : { payload: body as object }) });
    },
    async close() {
      await app.close();
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
