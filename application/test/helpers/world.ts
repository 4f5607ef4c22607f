import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { TestGateway } from './gateway';

export const UTILITY = 'utility-admin';
export const RETAILER = 'retailer-admin';
/** Present when the test network has an auditor org (helpers/gateway.ts starts one). */
export const AUDITOR = 'auditor';

export interface MeterKeys {
  meterId: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

export function meterKeys(meterId: string): MeterKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { meterId, privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** A meter reading signed the way a real meter does: ECDSA P-256/SHA-256, base64 DER. */
export function signedReading(meter: MeterKeys, interval: string, importWh: number, exportWh: number) {
  const message = `${meter.meterId}|${interval}|${importWh}|${exportWh}`;
  return { meterId: meter.meterId, interval, importWh, exportWh, signature: sign('sha256', Buffer.from(message), meter.privateKey).toString('base64') };
}

export async function expectStatus(res: { statusCode: number; body: string }, status: number): Promise<void> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
}

let keyCounter = 0;
export const newKey = (label = 'k') => `${label}-${process.pid}-${Date.now()}-${keyCounter++}`;

export interface HouseholdSpec {
  householdId: string;
  zone: string;
  owner: string;
  members?: Array<{ userId: string; canTrade?: boolean }>;
  deposit?: number;
  exportCapacityW?: number;
}

/** Onboards a household with its owner (and members), a meter and an opening deposit, through the API. */
export async function onboard(gw: TestGateway, spec: HouseholdSpec): Promise<MeterKeys> {
  await expectStatus(
    await gw.call(RETAILER, 'POST', '/v1/households', {
      householdId: spec.householdId,
      displayName: `Household ${spec.householdId}`,
      privateDetails: { name: `Resident of ${spec.householdId}`, address: `1 ${spec.zone} Street`, email: `${spec.owner}@example.org` },
    }),
    201,
  );
  await expectStatus(await gw.call(RETAILER, 'POST', `/v1/households/${spec.householdId}/members`, { userId: spec.owner, role: 'owner' }), 201);
  for (const m of spec.members ?? []) {
    await expectStatus(
      await gw.call(RETAILER, 'POST', `/v1/households/${spec.householdId}/members`, { userId: m.userId, role: 'member', ...(m.canTrade === undefined ? {} : { canTrade: m.canTrade }) }),
      201,
    );
  }
  const meter = meterKeys(`m-${spec.householdId}`);
  await expectStatus(
    await gw.call(UTILITY, 'POST', '/v1/meters', {
      meterId: meter.meterId,
      householdId: spec.householdId,
      zone: spec.zone,
      exportCapacityW: spec.exportCapacityW ?? 8000,
      importCapacityW: 12000,
      publicKeyPem: meter.publicKeyPem,
    }),
    201,
  );
  if (spec.deposit) {
    await expectStatus(
      await gw.call(RETAILER, 'POST', `/v1/households/${spec.householdId}/deposits`, { amount: spec.deposit }, { 'idempotency-key': newKey('open') }),
      201,
    );
  }
  return meter;
}

/** Puts the market on the operator clock with two zones, the way every scenario starts. */
export async function operatorMarket(gw: TestGateway, extra: Record<string, unknown> = {}) {
  const res = await gw.call(UTILITY, 'PUT', '/v1/market/config', {
    clock: 'operator',
    zones: [
      { zone: 'north', transferLimitWh: 1500 },
      { zone: 'south', transferLimitWh: 1500 },
    ],
    ...extra,
  });
  await expectStatus(res, 200);
  return res.json() as { feedInTariff: number; retailTariff: number; intervalSeconds: number; k: number; mechanism: string };
}
