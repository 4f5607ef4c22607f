/**
 * End to end on a real Fabric network: native/network.sh brings up the CAs, the orderer and one
 * peer per organization, deploys the chaincode as a service, and the gateway app runs the
 * neighbourhood scenario against it, with household members enrolled from the retailer's CA.
 * Then a transaction endorsed by the utility alone must be rejected at commit.
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repo = path.resolve(__dirname, '../..');
const networkSh = path.join(repo, 'test-network-scripts/native/network.sh');
const workDir = path.join(repo, '.gridshare/fabric-native');
const REQUIRED = ['peer', 'orderer', 'configtxgen', 'osnadmin', 'fabric-ca-server', 'fabric-ca-client'];

function findBinary(name: string): string | undefined {
  const dirs = process.env.FABRIC_BIN ? [process.env.FABRIC_BIN] : (process.env.PATH ?? '').split(path.delimiter);
  return dirs.map((d) => path.join(d, name)).find((f) => existsSync(f));
}

const missing = REQUIRED.filter((b) => !findBinary(b));
const describeWithFabric = missing.length === 0 ? describe : describe.skip;
if (missing.length > 0) {
  console.log(
    `SKIP: Fabric end-to-end suite: no ${missing.join(', ')} in ${process.env.FABRIC_BIN ? `FABRIC_BIN=${process.env.FABRIC_BIN}` : 'PATH (set FABRIC_BIN)'}`,
  );
}

function network(...args: string[]): void {
  const result = spawnSync('bash', [networkSh, ...args], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) throw new Error(`network.sh ${args.join(' ')} exited with ${result.status}`);
}

interface Injected {
  statusCode: number;
  body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describeWithFabric('Gridshare on a native Fabric network', () => {
  let dataDir: string;
  // Loaded lazily: the app and fastify are only needed when Fabric is present.
  let app: { inject(opts: object): Promise<Injected>; close(): Promise<void> } | undefined;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    network('down', '--purge');
    network('up');
    network('deploy');
    dataDir = mkdtempSync(path.join(tmpdir(), 'gridshare-e2e-'));
    const { loadConfig } = await import('../../application/src/config');
    const { buildApp } = await import('../../application/src/app');
    const config = loadConfig({
      GRIDSHARE_LEDGER: 'fabric',
      GRIDSHARE_NETWORK: path.join(workDir, 'connection.json'),
      GRIDSHARE_DATA_DIR: dataDir,
      GRIDSHARE_DEV_LOGIN: '1',
      GRIDSHARE_JWT_SECRET: 'e2e-secret-e2e-secret-e2e-secret-0123',
      GRIDSHARE_OPERATOR_SCHEDULER: '0',
      GRIDSHARE_INITIAL_MARKET: JSON.stringify({ clock: 'operator' }),
      LOG_LEVEL: 'warn',
    });
    app = (await buildApp(config)) as unknown as typeof app;
    await (app as unknown as { ready(): Promise<void> }).ready();
  });

  afterAll(async () => {
    await app?.close();
    network('down');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function call(user: string, method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) {
    if (!app) throw new Error('app not started');
    let token = tokens.get(user);
    if (!token) {
      const login = await app.inject({ method: 'POST', url: '/v1/dev/login', payload: { user } });
      if (login.statusCode !== 200) throw new Error(`login ${user}: ${login.statusCode} ${login.body}`);
      token = login.json().token as string;
      tokens.set(user, token);
    }
    return app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}`, ...headers } });
  }

  async function ok(user: string, method: string, url: string, payload: unknown, status: number, headers?: Record<string, string>) {
    const res = await call(user, method, url, payload, headers);
    if (res.statusCode !== status) throw new Error(`${method} ${url} as ${user}: expected ${status}, got ${res.statusCode} ${res.body}`);
    return res.json();
  }

  function meter(meterId: string): { meterId: string; key: KeyObject; publicKeyPem: string } {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    return { meterId, key: privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  }

  function reading(m: ReturnType<typeof meter>, interval: string, importWh: number, exportWh: number) {
    const message = `${m.meterId}|${interval}|${importWh}|${exportWh}`;
    return { meterId: m.meterId, interval, importWh, exportWh, signature: sign('sha256', Buffer.from(message), m.key).toString('base64') };
  }

  test('the neighbourhood: onboard, trade, clear, settle, audit', async () => {
    const interval = '2030-01-01T10:00:00Z';
    const households = [
      { id: 'h-sun', owner: 'ann', zone: 'z1', side: 'sell', energyWh: 2000, limitPrice: 1000 },
      { id: 'h-moon', owner: 'bob', zone: 'z1', side: 'buy', energyWh: 1500, limitPrice: 2500 },
    ];
    const meters = new Map<string, ReturnType<typeof meter>>();
    for (const h of households) {
      await ok('retailer-admin', 'POST', '/v1/households', {
        householdId: h.id,
        displayName: `Household ${h.id}`,
        privateDetails: { name: h.owner, address: `1 ${h.zone} Street`, email: `${h.owner}@example.org` },
      }, 201);
      // The gateway enrolls the owner from RetailerMSP's Fabric CA and binds the identity.
      await ok('retailer-admin', 'POST', `/v1/households/${h.id}/members`, { userId: h.owner, role: 'owner' }, 201);
      const m = meter(`m-${h.id}`);
      meters.set(h.id, m);
      await ok('utility-admin', 'POST', '/v1/meters', {
        meterId: m.meterId, householdId: h.id, zone: h.zone, exportCapacityW: 10000, importCapacityW: 10000, publicKeyPem: m.publicKeyPem,
      }, 201);
      await ok('retailer-admin', 'POST', `/v1/households/${h.id}/deposits`, { amount: 1_000_000 }, 201, { 'idempotency-key': `dep-${h.id}` });
    }
    for (const h of households) {
      await ok(h.owner, 'POST', '/v1/orders', { householdId: h.id, side: h.side, interval, energyWh: h.energyWh, limitPrice: h.limitPrice }, 201, {
        'idempotency-key': `ord-${h.id}`,
      });
    }
    await ok('utility-admin', 'POST', `/v1/market/intervals/${interval}/close`, undefined, 200);
    const cleared = await ok('utility-admin', 'POST', `/v1/market/intervals/${interval}/clear`, undefined, 200);
    expect(cleared).toMatchObject({ status: 'CLEARED', tradedWh: 1500 });
    await ok('utility-admin', 'POST', '/v1/meter-readings', {
      readings: [reading(meters.get('h-sun')!, interval, 0, 2000), reading(meters.get('h-moon')!, interval, 1500, 0)],
    }, 201);
    const settled = await ok('utility-admin', 'POST', `/v1/market/intervals/${interval}/settle`, undefined, 200);
    expect(settled.status).toBe('SETTLED');
    // Settlement read both meters' readings from the retailer's collection on every endorsing peer.
    expect(settled.missingReadings).toEqual([]);
    const certificates = await ok('bob', 'GET', '/v1/households/h-moon/certificates', undefined, 200);
    expect(certificates.certificates.reduce((s: number, c: { energyWh: number }) => s + c.energyWh, 0)).toBe(1500);
    // Another household's member cannot read it.
    expect((await call('ann', 'GET', '/v1/households/h-moon/statement')).statusCode).toBe(403);
    const audit = await ok('utility-admin', 'GET', `/v1/audit/conservation?from=${interval}&to=${interval}`, undefined, 200);
    expect(audit).toMatchObject({ ok: true, energyImbalanceWh: 0, moneyImbalance: 0 });
  });

  test('a transaction endorsed by the utility alone is rejected at commit', async () => {
    const grpc = await import('@grpc/grpc-js');
    const { connect, hash, signers, CommitError } = await import('@hyperledger/fabric-gateway');
    const profile = JSON.parse(readFileSync(path.join(workDir, 'connection.json'), 'utf8'));
    const utility = profile.organizations.UtilityMSP;
    const adminMsp = path.join(workDir, 'crypto/peerOrganizations/utility.gridshare.local/users/Admin@utility.gridshare.local/msp');
    const cert = readFileSync(path.join(adminMsp, 'signcerts', readdirSync(path.join(adminMsp, 'signcerts'))[0]!));
    const key = createPrivateKey(readFileSync(path.join(adminMsp, 'keystore', readdirSync(path.join(adminMsp, 'keystore'))[0]!)));
    const client = new grpc.Client(utility.peer.endpoint, grpc.credentials.createSsl(readFileSync(utility.peer.tlsCaCertPath)), {
      'grpc.ssl_target_name_override': utility.peer.hostAlias,
    });
    const gateway = connect({
      client,
      identity: { mspId: 'UtilityMSP', credentials: cert },
      signer: signers.newPrivateKeySigner(key),
      hash: hash.sha256,
    });
    try {
      const contract = gateway.getNetwork('energy').getContract('gridshare', 'market');
      const update = JSON.stringify({ intervalSeconds: 900 });
      // Positive control: endorsed by both organizations, the same transaction commits.
      await contract.submit('UpdateMarketConfig', { arguments: [update] });
      let failure: unknown;
      try {
        await contract.submit('UpdateMarketConfig', { arguments: [update], endorsingOrganizations: ['UtilityMSP'] });
      } catch (err) {
        failure = err;
      }
      expect(failure).toBeInstanceOf(CommitError);
      const { peer } = await import('@hyperledger/fabric-protos');
      expect((failure as InstanceType<typeof CommitError>).code).toBe(peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE);
    } finally {
      gateway.close();
      client.close();
    }
  });
});

if (missing.length > 0) {
  test.skip(`Fabric end-to-end (needs ${missing.join(', ')})`, () => undefined);
}
