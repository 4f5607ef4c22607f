/**
 * Validating factories: each turns one raw transaction argument into a typed request or throws
 * INVALID_ARGUMENT before anything touches the ledger.
 */
import { createPublicKey } from 'crypto';
import type { Mechanism, Side, ZoneLimit } from '../market';
import { validateParams } from '../market/validation';
import { invalidArgument } from '../ledger/errors';
import type { MarketClock, MarketConfig, MemberRole, MeterRecord, OrderRecord } from '../ledger/model';
import type { StoredPrivateDetails } from '../ledger/repositories';
import {
  asObject,
  checkString,
  identifier,
  integer,
  intervalName,
  mspId,
  oneOf,
  onlyFields,
  optionalBoolean,
  optionalString,
  parseObject,
  requiredId,
  requiredInteger,
  requiredString,
  type Json,
} from './validate';

const MAX_PRICE = 1_000_000_000;
const MAX_CAPACITY_W = 1_000_000_000;
export const MAX_READINGS_PER_BATCH = 10_000;

export interface InitRequest {
  utilityMspId: string;
  retailerMspIds: string[];
  auditorMspIds: string[];
  market: Json;
}

export function newInitRequest(raw: unknown): InitRequest {
  const obj = parseObject(raw, 'consortium');
  onlyFields(obj, ['utilityMspId', 'retailerMspIds', 'auditorMspIds', 'market'], 'consortium');
  const utilityMspId = mspId(obj.utilityMspId, 'utilityMspId');
  const retailerMspIds = mspList(obj.retailerMspIds, 'retailerMspIds', true);
  const auditorMspIds = obj.auditorMspIds === undefined ? [] : mspList(obj.auditorMspIds, 'auditorMspIds', false);
  const all = [utilityMspId, ...retailerMspIds, ...auditorMspIds];
  if (new Set(all).size !== all.length) throw invalidArgument('an MSP ID may play only one role');
  const market = obj.market === undefined ? {} : asObject(obj.market, 'market');
  return { utilityMspId, retailerMspIds, auditorMspIds, market };
}

function mspList(value: unknown, field: string, nonEmpty: boolean): string[] {
  if (!Array.isArray(value)) throw invalidArgument(`${field} must be an array of MSP IDs`);
  if (nonEmpty && value.length === 0) throw invalidArgument(`${field} must name at least one MSP`);
  if (value.length > 64) throw invalidArgument(`${field} may name at most 64 MSPs`);
  return value.map((v, i) => mspId(v, `${field}[${i}]`));
}

const MARKET_FIELDS = [
  'intervalSeconds',
  'clock',
  'mechanism',
  'kBps',
  'feedInTariff',
  'retailTariff',
  'gridFeeLocal',
  'gridFeeCrossZone',
  'zones',
] as const;

/** Applies a partial market configuration to `current`; `zones` replaces the list. */
export function newMarketConfig(patch: Json, current: MarketConfig): MarketConfig {
  onlyFields(patch, MARKET_FIELDS, 'market config');
  const next: MarketConfig = { ...current, zones: [...current.zones] };
  if (patch.intervalSeconds !== undefined) {
    const seconds = integer(patch.intervalSeconds, 'intervalSeconds', { min: 60, max: 86400 });
    if (86400 % seconds !== 0) throw invalidArgument('intervalSeconds must divide a day (86400) evenly');
    next.intervalSeconds = seconds;
  }
  if (patch.clock !== undefined) next.clock = oneOf<MarketClock>(patch.clock, 'clock', ['wall', 'operator']);
  if (patch.mechanism !== undefined) {
    next.mechanism = oneOf<Mechanism>(patch.mechanism, 'mechanism', ['pay-as-clear', 'pay-as-bid', 'sdr']);
  }
  if (patch.kBps !== undefined) next.kBps = integer(patch.kBps, 'kBps', { max: 10000 });
  for (const field of ['feedInTariff', 'retailTariff', 'gridFeeLocal', 'gridFeeCrossZone'] as const) {
    if (patch[field] !== undefined) next[field] = integer(patch[field], field, { max: MAX_PRICE });
  }
  if (patch.zones !== undefined) next.zones = zoneList(patch.zones);
  if (next.feedInTariff > next.retailTariff) {
    throw invalidArgument(`feedInTariff ${next.feedInTariff} exceeds retailTariff ${next.retailTariff}`);
  }
  // Cross-zone trades pay more than local ones, and funding reserves the cross-zone fee as the worst case.
  if (next.gridFeeCrossZone <= next.gridFeeLocal) {
    throw invalidArgument(`gridFeeCrossZone ${next.gridFeeCrossZone} must be higher than gridFeeLocal ${next.gridFeeLocal}`);
  }
  validateParams(next);
  return next;
}

function zoneList(value: unknown): ZoneLimit[] {
  if (!Array.isArray(value)) throw invalidArgument('zones must be an array');
  if (value.length > 1000) throw invalidArgument('at most 1000 zones');
  const seen = new Set<string>();
  return value.map((item, i) => {
    const obj = asObject(item, `zones[${i}]`);
    onlyFields(obj, ['zone', 'transferLimitWh'], `zones[${i}]`);
    const zone = identifier(obj.zone, `zones[${i}].zone`);
    if (seen.has(zone)) throw invalidArgument(`zone ${zone} is listed twice`);
    seen.add(zone);
    return { zone, transferLimitWh: integer(obj.transferLimitWh, `zones[${i}].transferLimitWh`) };
  });
}

export interface OnboardRequest {
  householdId: string;
  displayName: string;
  creditLimit: number;
}

export function newOnboardRequest(raw: unknown): OnboardRequest {
  const obj = parseObject(raw, 'household');
  onlyFields(obj, ['householdId', 'displayName', 'creditLimit'], 'household');
  return {
    householdId: requiredId(obj, 'householdId'),
    displayName: requiredString(obj, 'displayName', 200),
    creditLimit: obj.creditLimit === undefined ? 0 : requiredInteger(obj, 'creditLimit'),
  };
}

const MIN_SALT_BYTES = 16;
const MAX_SALT_BYTES = 128;

/** `{"name","address","email","salt"}` from transient data; the salt is kept with the details. */
export function newPrivateDetails(value: unknown): StoredPrivateDetails {
  const obj = asObject(value, 'privateDetails');
  onlyFields(obj, ['name', 'address', 'email', 'salt'], 'privateDetails');
  const email = requiredString(obj, 'email', 320);
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw invalidArgument('email is not an e-mail address');
  return { name: requiredString(obj, 'name', 200), address: requiredString(obj, 'address', 500), email, salt: secretSalt(obj, 'salt') };
}

/**
 * The salt of a public hash over private data (private details, a reading). It must be secret (the
 * gateway draws fresh random bytes and sends them only as transient data), or anyone on the channel
 * could test guessed values against the hash; so it is required, canonical unpadded base64url, and
 * 16–128 bytes (the length cap is the base64url length of 128 bytes).
 */
function secretSalt(obj: Json, label: string): string {
  const value = obj.salt;
  if (value === undefined || value === null) throw invalidArgument(`${label} is required`);
  const salt = checkString(value, label, Math.ceil((MAX_SALT_BYTES * 4) / 3));
  const bytes = Buffer.from(salt, 'base64url');
  if (!/^[A-Za-z0-9_-]+$/.test(salt) || bytes.toString('base64url') !== salt) throw invalidArgument(`${label} must be unpadded base64url`);
  if (bytes.length < MIN_SALT_BYTES) throw invalidArgument(`${label} must be at least ${MIN_SALT_BYTES} bytes, got ${bytes.length}`);
  return salt;
}

export interface AddMemberRequest {
  householdId: string;
  userId: string;
  role: MemberRole;
  mspId: string;
  identityId: string;
  canTrade: boolean;
}

export function newAddMemberRequest(raw: unknown): AddMemberRequest {
  const obj = parseObject(raw, 'member');
  onlyFields(obj, ['householdId', 'userId', 'role', 'mspId', 'identityId', 'canTrade'], 'member');
  const identityId = requiredString(obj, 'identityId', 2048);
  if (!identityId.startsWith('x509::')) throw invalidArgument('identityId must be a ClientIdentity ID (x509::<subject>::<issuer>)');
  const role = oneOf<MemberRole>(obj.role, 'role', ['owner', 'member']);
  return {
    householdId: requiredId(obj, 'householdId'),
    userId: requiredId(obj, 'userId'),
    role,
    mspId: mspId(obj.mspId, 'mspId'),
    identityId,
    canTrade: optionalBoolean(obj, 'canTrade') ?? role === 'owner',
  };
}

export interface MoneyRequest {
  householdId: string;
  amount: number;
  idempotencyKey: string;
}

export function newMoneyRequest(raw: unknown): MoneyRequest {
  const obj = parseObject(raw, 'request');
  onlyFields(obj, ['householdId', 'amount', 'idempotencyKey'], 'request');
  return {
    householdId: requiredId(obj, 'householdId'),
    amount: requiredInteger(obj, 'amount', { min: 1 }),
    idempotencyKey: requiredId(obj, 'idempotencyKey'),
  };
}

export type RegisterMeterRequest = Omit<MeterRecord, 'retired'>;

export function newRegisterMeterRequest(raw: unknown): RegisterMeterRequest {
  const obj = parseObject(raw, 'meter');
  onlyFields(obj, ['meterId', 'householdId', 'zone', 'exportCapacityW', 'importCapacityW', 'publicKeyPem'], 'meter');
  const publicKeyPem = requiredString(obj, 'publicKeyPem', 4096);
  assertP256PublicKey(publicKeyPem);
  return {
    meterId: requiredId(obj, 'meterId'),
    householdId: requiredId(obj, 'householdId'),
    zone: requiredId(obj, 'zone'),
    exportCapacityW: requiredInteger(obj, 'exportCapacityW', { max: MAX_CAPACITY_W }),
    importCapacityW: requiredInteger(obj, 'importCapacityW', { max: MAX_CAPACITY_W }),
    publicKeyPem,
  };
}

function assertP256PublicKey(pem: string): void {
  let ok = false;
  try {
    const key = createPublicKey(pem);
    ok = key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    ok = false;
  }
  if (!ok) throw invalidArgument('publicKeyPem must be an ECDSA P-256 public key in PEM');
}

/** A signed reading from transient data with the secret salt of its public hash (kept with it). */
export interface ReadingInput {
  meterId: string;
  interval: string;
  importWh: number;
  exportWh: number;
  signature: string;
  salt: string;
}

export function newReadingsBatch(value: unknown, intervalSeconds: number): ReadingInput[] {
  if (!Array.isArray(value)) throw invalidArgument('readings must be a JSON array');
  if (value.length === 0) throw invalidArgument('readings must not be empty');
  if (value.length > MAX_READINGS_PER_BATCH) throw invalidArgument(`at most ${MAX_READINGS_PER_BATCH} readings per batch`);
  return value.map((item, i) => {
    const obj = asObject(item, `readings[${i}]`);
    onlyFields(obj, ['meterId', 'interval', 'importWh', 'exportWh', 'signature', 'salt'], `readings[${i}]`);
    const signature = requiredString(obj, 'signature', 200);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) throw invalidArgument(`readings[${i}].signature must be base64`);
    return {
      meterId: requiredId(obj, 'meterId'),
      interval: intervalName(obj.interval, intervalSeconds, `readings[${i}].interval`),
      importWh: requiredInteger(obj, 'importWh'),
      exportWh: requiredInteger(obj, 'exportWh'),
      signature,
      salt: secretSalt(obj, `readings[${i}].salt`),
    };
  });
}

export type PlaceOrderRequest = Pick<
  OrderRecord,
  'idempotencyKey' | 'householdId' | 'side' | 'interval' | 'energyWh' | 'limitPrice' | 'meterId'
>;

/** `raw`: the JSON argument, or the object already parsed from it. */
export function newPlaceOrderRequest(raw: unknown, intervalSeconds: number): PlaceOrderRequest {
  const obj = typeof raw === 'string' ? parseObject(raw, 'order') : asObject(raw, 'order');
  onlyFields(obj, ['idempotencyKey', 'householdId', 'side', 'interval', 'energyWh', 'limitPrice', 'meterId'], 'order');
  const meterId = obj.meterId === undefined ? undefined : identifier(obj.meterId, 'meterId');
  return {
    idempotencyKey: requiredId(obj, 'idempotencyKey'),
    householdId: requiredId(obj, 'householdId'),
    side: oneOf<Side>(obj.side, 'side', ['buy', 'sell']),
    interval: intervalName(obj.interval, intervalSeconds),
    energyWh: requiredInteger(obj, 'energyWh', { min: 1 }),
    limitPrice: requiredInteger(obj, 'limitPrice', { max: MAX_PRICE }),
    meterId,
  };
}

export interface ListQuery {
  householdId?: string;
  interval?: string;
}

/** `{"householdId"?,"interval"?}`; an empty argument or member means no filter. */
export function newListQuery(raw: unknown, intervalSeconds: number): ListQuery {
  if (raw === '' || raw === undefined) return {};
  const obj = parseObject(raw, 'query');
  onlyFields(obj, ['householdId', 'interval'], 'query');
  // Query strings such as `?householdId=&interval=` arrive as empty members: no filter.
  const householdId = obj.householdId === '' ? undefined : optionalString(obj, 'householdId');
  return {
    householdId: householdId === undefined ? undefined : identifier(householdId, 'householdId'),
    interval: obj.interval === undefined || obj.interval === '' ? undefined : intervalName(obj.interval, intervalSeconds),
  };
}
