/** A consortium for contract tests: CAs, identities of every role, and shortcuts to set up state. */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'crypto';
import { createCa, issueIdentity, type TestIdentity } from './certs';
import { FakeLedger, type TxResult } from './fakeLedger';

export const UTILITY = 'UtilityMSP';
export const RETAILER = 'RetailerMSP';
export const RETAILER2 = 'Retailer2MSP';
export const AUDITOR = 'AuditorMSP';

/** 2026-11-21T10:00:00Z, start of a 15-minute interval. */
export const T10 = '2026-11-21T10:00:00Z';
export const T1015 = '2026-11-21T10:15:00Z';
export const seconds = (iso: string): number => Date.parse(iso) / 1000;

export interface Identities {
  utility: TestIdentity;
  utilityAdmin: TestIdentity;
  utilityClient: TestIdentity;
  retailerAdmin: TestIdentity;
  retailerAttrAdmin: TestIdentity;
  otherRetailer: TestIdentity;
  owner: TestIdentity;
  member: TestIdentity;
  otherOwner: TestIdentity;
  auditor: TestIdentity;
  stranger: TestIdentity;
}

let cached: Promise<Identities> | undefined;

/** Certificates are slow-ish to make, so every test file shares one set. */
export function identities(): Promise<Identities> {
  cached ??= (async () => {
    const utilityCa = await createCa(UTILITY, 'utility.gridshare.local');
    const retailerCa = await createCa(RETAILER, 'retailer.gridshare.local');
    const retailer2Ca = await createCa(RETAILER2, 'retailer2.gridshare.local');
    const auditorCa = await createCa(AUDITOR, 'auditor.gridshare.local');
    return {
      utility: await issueIdentity(utilityCa, { cn: 'operator1', ou: 'client', attrs: { 'gridshare.role': 'operator' } }),
      utilityAdmin: await issueIdentity(utilityCa, { cn: 'Admin@utility', ou: 'admin' }),
      utilityClient: await issueIdentity(utilityCa, { cn: 'clerk', ou: 'client', attrs: { 'gridshare.role': 'viewer' } }),
      retailerAdmin: await issueIdentity(retailerCa, { cn: 'Admin@retailer', ou: 'admin' }),
      retailerAttrAdmin: await issueIdentity(retailerCa, { cn: 'desk', ou: 'client', attrs: { 'gridshare.role': 'admin' } }),
      otherRetailer: await issueIdentity(retailer2Ca, { cn: 'Admin@retailer2', ou: 'admin' }),
      owner: await issueIdentity(retailerCa, { cn: 'alice', ou: 'client', attrs: { 'gridshare.role': 'household' } }),
      member: await issueIdentity(retailerCa, { cn: 'bob', ou: 'client', attrs: { 'gridshare.role': 'household' } }),
      otherOwner: await issueIdentity(retailerCa, { cn: 'carol', ou: 'client', attrs: { 'gridshare.role': 'household' } }),
      auditor: await issueIdentity(auditorCa, { cn: 'inspector', ou: 'client' }),
      stranger: await issueIdentity(retailerCa, { cn: 'mallory', ou: 'client', attrs: { 'gridshare.role': 'household' } }),
    };
  })();
  return cached;
}

export interface MeterKey {
  publicKeyPem: string;
  privateKey: KeyObject;
}

export function meterKey(): MeterKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

/** A reading as the gateway sends it: signed by the meter, with a fresh secret salt for its public hash. */
export function signReading(key: MeterKey, r: { meterId: string; interval: string; importWh: number; exportWh: number }) {
  const message = `${r.meterId}|${r.interval}|${r.importWh}|${r.exportWh}`;
  return { ...r, signature: sign('sha256', Buffer.from(message), key.privateKey).toString('base64'), salt: randomBytes(32).toString('base64url') };
}

/** Throws with the chaincode message unless the transaction succeeded; returns the parsed result. */
export function ok<T = Record<string, unknown>>(result: TxResult): T {
  if (!result.ok) throw new Error(`transaction failed: ${result.message}`);
  return JSON.parse(result.payload) as T;
}

export interface World {
  ledger: FakeLedger;
  ids: Identities;
  meters: Record<string, MeterKey>;
}

/**
 * The standard neighbourhood: consortium (operator clock unless told), households h-1 (alice owner,
 * bob member) and h-2 (carol owner) of RetailerMSP, h-3 of Retailer2MSP, one meter each, zone Z1.
 */
export async function standardWorld(market: Record<string, unknown> = {}): Promise<World> {
  const ids = await identities();
  const ledger = new FakeLedger();
  ledger.clock = seconds('2026-11-21T09:00:00Z');
  ok(
    await ledger.submit(ids.utility, 'consortium:Init', [
      JSON.stringify({
        utilityMspId: UTILITY,
        retailerMspIds: [RETAILER, RETAILER2],
        auditorMspIds: [AUDITOR],
        market: { clock: 'operator', zones: [{ zone: 'Z1', transferLimitWh: 100000 }, { zone: 'Z2', transferLimitWh: 1000 }], ...market },
      }),
    ]),
  );
  const onboard = async (admin: TestIdentity, householdId: string, creditLimit = 0) =>
    ok(
      await ledger.submit(admin, 'households:OnboardHousehold', [JSON.stringify({ householdId, displayName: `Home ${householdId}`, creditLimit })], {
        transient: { privateDetails: { name: `Resident of ${householdId}`, address: '1 Solar Way', email: `${householdId}@example.org`, salt: randomBytes(32).toString('base64url') } },
      }),
    );
  await onboard(ids.retailerAdmin, 'h-1');
  await onboard(ids.retailerAdmin, 'h-2');
  await onboard(ids.otherRetailer, 'h-3');
  const bind = async (admin: TestIdentity, householdId: string, userId: string, who: TestIdentity, role: 'owner' | 'member') => {
    const whoAmI = ok<{ id: string }>(await ledger.evaluate(who, 'consortium:WhoAmI'));
    ok(
      await ledger.submit(admin, 'households:AddMember', [
        JSON.stringify({ householdId, userId, role, mspId: who.mspId, identityId: whoAmI.id }),
      ]),
    );
  };
  await bind(ids.retailerAdmin, 'h-1', 'alice', ids.owner, 'owner');
  await bind(ids.retailerAdmin, 'h-1', 'bob', ids.member, 'member');
  await bind(ids.retailerAdmin, 'h-2', 'carol', ids.otherOwner, 'owner');
  const meters: Record<string, MeterKey> = {};
  for (const [meterId, householdId, zone] of [
    ['m-1', 'h-1', 'Z1'],
    ['m-2', 'h-2', 'Z1'],
    ['m-3', 'h-3', 'Z2'],
  ] as const) {
    const key = meterKey();
    meters[meterId] = key;
    ok(
      await ledger.submit(ids.utility, 'meters:RegisterMeter', [
        JSON.stringify({ meterId, householdId, zone, exportCapacityW: 8000, importCapacityW: 12000, publicKeyPem: key.publicKeyPem }),
      ]),
    );
  }
  return { ledger, ids, meters };
}

export function deposit(w: World, householdId: string, amount: number, idempotencyKey = `dep-${householdId}-${amount}`) {
  const admin = householdId === 'h-3' ? w.ids.otherRetailer : w.ids.retailerAdmin;
  return w.ledger.submit(admin, 'money:Deposit', [JSON.stringify({ householdId, amount, idempotencyKey })]);
}

export function placeOrder(w: World, who: TestIdentity, order: Record<string, unknown>) {
  return w.ledger.submit(who, 'market:PlaceOrder', [JSON.stringify({ interval: T10, ...order })]);
}

/** Expects the transaction refused with a message matching `pattern`, and the ledger unchanged. */
export async function expectRefused(w: World, promise: Promise<{ ok: boolean; message: string }>, pattern: RegExp): Promise<void> {
  const before = w.ledger.fingerprint();
  const result = await promise;
  expect(result.ok).toBe(false);
  expect(result.message).toMatch(pattern);
  expect(w.ledger.fingerprint()).toBe(before);
}
