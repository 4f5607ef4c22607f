/**
 * The Gridshare chaincode's own end-to-end scenario through the real fabric-gateway client against
 * the dev ledger: identities enrolled from the dev CA, the chaincode spawned from chaincode/dist,
 * one market interval from consortium initialisation to the conservation audit.
 * Needs the chaincode built (`cd chaincode && npm run build`; `npm test` builds it first).
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Contract, EndorseError } from '@hyperledger/fabric-gateway';
import type { DevLedger } from '../src';
import { startDevLedger } from '../src';
import { signLowS } from '../src/identity/ecdsa';
import { enroll, type Enrolled, register } from './ca/ca-test-client';
import { connectClient, repoRoot, type TestClient, type TestIdentity, tempDataDir, utf8 } from './helpers';

const chaincodeDir = path.join(repoRoot, 'chaincode');
const UTILITY = 'UtilityMSP';
const RETAILER = 'RetailerMSP';
/** A 15-minute interval; the consortium runs the operator clock, so wall time does not matter. */
const T10 = '2026-11-21T10:00:00Z';

type Json = Record<string, unknown>;

describe('Gridshare chaincode through fabric-gateway on the dev ledger', () => {
  let dataDir: string;
  let ledger: DevLedger;
  const clients: TestClient[] = [];
  const contracts: Record<string, (contract: string) => Contract> = {};

  /** Registers `id` with `attrs` at the org's dev CA and enrolls it: a real CA-issued identity. */
  async function enrollUser(caName: string, mspId: string, id: string, role: string): Promise<TestIdentity> {
    const registrar = (await enroll(ledger.caUrl, caName, 'admin', 'adminpw')).enrolled!;
    const registered = await register(ledger.caUrl, caName, registrar, {
      id,
      type: 'client',
      affiliation: '',
      attrs: [{ name: 'gridshare.role', value: role, ecert: true }],
    });
    expect(registered.body.success).toBe(true);
    const { enrolled } = await enroll(ledger.caUrl, caName, id, registered.body.result.secret);
    return asIdentity(mspId, enrolled!);
  }

  function asIdentity(mspId: string, enrolled: Enrolled): TestIdentity {
    const privateKey = createPrivateKey(enrolled.privateKeyPem);
    return {
      identity: { mspId, credentials: Buffer.from(enrolled.certificatePem) },
      signer: async (message) => signLowS(message, privateKey),
      privateKey,
    };
  }

  function as(name: string, id: TestIdentity): void {
    const client = connectClient(ledger.gatewayEndpoint, id);
    clients.push(client);
    const network = client.gateway.getNetwork('energy');
    contracts[name] = (contract) => network.getContract('gridshare', contract);
  }

  const parse = (bytes: Uint8Array): Json => JSON.parse(utf8(bytes)) as Json;
  const submit = async (who: string, fn: string, args: string[] = [], transient?: Record<string, string>): Promise<Json> => {
    const [contract, name] = fn.split(':') as [string, string];
    return parse(await contracts[who]!(contract).submit(name, { arguments: args, ...(transient ? { transientData: transient } : {}) }));
  };
  const evaluate = async (who: string, fn: string, args: string[] = []): Promise<Json> => {
    const [contract, name] = fn.split(':') as [string, string];
    return parse(await contracts[who]!(contract).evaluate(name, { arguments: args }));
  };

  const meterKeys: Record<string, KeyObject> = {};
  function newMeter(meterId: string): string {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    meterKeys[meterId] = privateKey;
    return publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }
  /** A meter signs `meterId|interval|importWh|exportWh` with its P-256 key (chaincode/README.md). */
  function signedReading(meterId: string, importWh: number, exportWh: number): Json {
    const message = `${meterId}|${T10}|${importWh}|${exportWh}`;
    const signature = sign('sha256', Buffer.from(message), meterKeys[meterId]!).toString('base64');
    return { meterId, interval: T10, importWh, exportWh, signature, salt: randomBytes(32).toString('base64url') };
  }

  beforeAll(async () => {
    if (!fs.existsSync(path.join(chaincodeDir, 'dist', 'index.js'))) {
      throw new Error('the Gridshare chaincode is not built: run `cd chaincode && npm run build` (npm test does it first)');
    }
    dataDir = tempDataDir('gridshare');
    // A query limit of 3 (Fabric's totalQueryLimit) makes statements and the audit page through the real shim.
    ledger = await startDevLedger({ dataDir, gatewayPort: 0, caPort: 0, chaincode: { mode: 'spawn', dir: chaincodeDir }, blockTimeoutMs: 5, totalQueryLimit: 3 });
    const [operator, desk, alice, bob, carol, mallory] = await Promise.all([
      enrollUser('ca-utility', UTILITY, 'operator1', 'operator'),
      enrollUser('ca-retailer', RETAILER, 'desk', 'admin'),
      enrollUser('ca-retailer', RETAILER, 'alice', 'household'),
      enrollUser('ca-retailer', RETAILER, 'bob', 'household'),
      enrollUser('ca-retailer', RETAILER, 'carol', 'household'),
      enrollUser('ca-retailer', RETAILER, 'mallory', 'household'),
    ]);
    as('utility', operator!);
    as('retailer', desk!);
    as('alice', alice!);
    as('bob', bob!);
    as('carol', carol!);
    as('mallory', mallory!);
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await ledger?.close();
  });

  it('runs one market interval from consortium initialisation to a clean conservation audit', async () => {
    await submit('utility', 'consortium:Init', [
      JSON.stringify({
        utilityMspId: UTILITY,
        retailerMspIds: [RETAILER],
        auditorMspIds: [],
        market: { clock: 'operator', zones: [{ zone: 'Z1', transferLimitWh: 100000 }] },
      }),
    ]);

    for (const householdId of ['h-1', 'h-2']) {
      const privateDetails = JSON.stringify({ name: `Resident of ${householdId}`, address: '1 Solar Way', email: `${householdId}@example.org`, salt: randomBytes(32).toString('base64url') });
      const onboarded = await submit('retailer', 'households:OnboardHousehold', [JSON.stringify({ householdId, displayName: `Home ${householdId}` })], {
        privateDetails,
      });
      expect(onboarded).toMatchObject({ householdId, retailer: RETAILER });
    }

    // Each member's ledger identity comes from WhoAmI evaluated as that member.
    for (const [user, householdId, role] of [
      ['alice', 'h-1', 'owner'],
      ['bob', 'h-1', 'member'],
      ['carol', 'h-2', 'owner'],
    ] as const) {
      const whoAmI = await evaluate(user, 'consortium:WhoAmI');
      expect(whoAmI).toMatchObject({ mspId: RETAILER, role: 'none' });
      expect(whoAmI.id).toMatch(/^x509::.*CN=.*::/);
      await submit('retailer', 'households:AddMember', [JSON.stringify({ householdId, userId: user, role, mspId: RETAILER, identityId: whoAmI.id })]);
      expect(await evaluate(user, 'consortium:WhoAmI')).toMatchObject({ role: 'household', householdId, memberRole: role });
    }
    expect(await evaluate('bob', 'households:GetPrivateDetails', ['h-1'])).toEqual({
      name: 'Resident of h-1',
      address: '1 Solar Way',
      email: 'h-1@example.org',
    });

    for (const [meterId, householdId] of [
      ['m-1', 'h-1'],
      ['m-2', 'h-2'],
    ] as const) {
      const meter = { meterId, householdId, zone: 'Z1', exportCapacityW: 8000, importCapacityW: 12000, publicKeyPem: newMeter(meterId) };
      expect(await submit('utility', 'meters:RegisterMeter', [JSON.stringify(meter)])).toMatchObject({ meterId, householdId });
    }

    const deposited = await submit('retailer', 'money:Deposit', [JSON.stringify({ householdId: 'h-2', amount: 100_000, idempotencyKey: 'dep-h-2' })]);
    expect(deposited).toMatchObject({ householdId: 'h-2', amount: 100_000, balanceAfter: 100_000 });

    const before = ledger.chaincodeRequests();
    const sell = await submit('alice', 'market:PlaceOrder', [
      JSON.stringify({ interval: T10, idempotencyKey: 'k-sell', householdId: 'h-1', side: 'sell', energyWh: 2000, limitPrice: 1500 }),
    ]);
    // The dev ledger offers Fabric 3.1's batches: the order's reads take one request and its three writes another.
    const after = ledger.chaincodeRequests();
    const sent = Object.fromEntries(Object.keys(after).map((type) => [type, after[type]! - (before[type] ?? 0)]).filter(([, n]) => n !== 0));
    expect(sent).toEqual({ GET_STATE_MULTIPLE: 1, WRITE_BATCH_STATE: 1 });
    const buy = await submit('carol', 'market:PlaceOrder', [
      JSON.stringify({ interval: T10, idempotencyKey: 'k-buy', householdId: 'h-2', side: 'buy', energyWh: 1500, limitPrice: 2500 }),
    ]);
    expect(sell).toMatchObject({ status: 'OPEN', meterId: 'm-1' });
    expect(buy).toMatchObject({ status: 'OPEN', meterId: 'm-2' });

    const cleared = await submit('utility', 'market:ClearInterval', [T10]);
    expect(cleared).toMatchObject({ interval: T10, status: 'CLEARED', trades: 1, tradedWh: 1500, clearingPrice: 2000 });

    const readings = JSON.stringify([signedReading('m-1', 0, 1800), signedReading('m-2', 1500, 0)]);
    expect(await submit('utility', 'meters:SubmitReadings', [], { readings })).toEqual({ accepted: 2 });
    // GetReadings is a private range query (read-only): collection members of both orgs may run it.
    const expected = { readings: [{ meterId: 'm-1', interval: T10, importWh: 0, exportWh: 1800 }] };
    expect(await evaluate('utility', 'meters:GetReadings', ['m-1', '', ''])).toEqual(expected);
    expect(await evaluate('retailer', 'meters:GetReadings', ['m-1', '', ''])).toEqual(expected);

    const settled = await submit('utility', 'settlement:SettleInterval', [T10]);
    expect(settled).toMatchObject({ interval: T10, status: 'SETTLED', households: 2, missingReadings: [] });

    const { certificates } = (await evaluate('carol', 'certificates:ListCertificates', ['h-2'])) as { certificates: Json[] };
    expect(certificates).toEqual([expect.objectContaining({ energyWh: 1500, claimed: false, sellerMeterId: 'm-1' })]);
    const claimed = await submit('carol', 'certificates:ClaimCertificate', [String(certificates[0]!.certificateId)]);
    expect(claimed).toMatchObject({ claimed: true });

    expect(await evaluate('utility', 'audit:Conservation', ['', ''])).toEqual({
      ok: true,
      intervals: 1,
      energyImbalanceWh: 0,
      moneyImbalance: 0,
      problems: [],
    });
  });

  it("delivers the chaincode's refusal of an unauthorised call in the EndorseError details", async () => {
    const meter = { meterId: 'm-x', householdId: 'h-1', zone: 'Z1', exportCapacityW: 1, importCapacityW: 1, publicKeyPem: newMeter('m-x') };
    const attempt = submit('mallory', 'meters:RegisterMeter', [JSON.stringify(meter)]);
    await expect(attempt).rejects.toBeInstanceOf(EndorseError);
    const error = (await attempt.catch((e: unknown) => e)) as EndorseError;
    expect(error.details[0]?.message).toMatch(/^chaincode response 500, FORBIDDEN: /);
    // Nothing was written: the meter does not exist.
    await expect(evaluate('utility', 'meters:GetMeter', ['m-x'])).rejects.toMatchObject({
      details: [expect.objectContaining({ message: expect.stringMatching(/^chaincode response 500, NOT_FOUND: /) })],
    });
  });
});
