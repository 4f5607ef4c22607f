/**
 * The whole composite-key layout of the chaincode. Nothing else builds key strings.
 *
 * Each object type is chosen so that the high-rate order path touches only keys of its own
 * household and order (see "Key design" in the README).
 */
import type { ChaincodeStub } from 'fabric-shim-api';

export type KeyStub = Pick<ChaincodeStub, 'createCompositeKey'>;

export const ObjectType = {
  /** config~(name): 'consortium' and 'market'. */
  config: 'config',
  /** household~(householdId): public household record (members, meters, credit limit, suspension). */
  household: 'household',
  /** member~identity~(mspId, identityId) → {householdId, userId}: binds a certificate to a household. */
  memberIdentity: 'member~identity',
  /** meter~(meterId). */
  meter: 'meter',
  /** reading~(meterId, interval): public salted hash; the same key holds the raw reading in the retailer's collection. */
  reading: 'reading',
  /** household~private~(householdId): PII in the retailer's private collection. */
  householdPrivate: 'household~private',
  /** order~(interval, orderId): clearing reads one interval with one range query. */
  order: 'order',
  /** order~id~(orderId) → {interval}: finds an order from its ID alone. */
  orderById: 'order~id',
  /** household~order~(householdId, interval, orderId): a household's orders. */
  householdOrder: 'household~order',
  /** interval~(interval): life-cycle state; absent means OPEN. */
  interval: 'interval',
  /** fills~(interval, chunk) → clearing outcomes of up to FILLS_PER_CHUNK orders (see {@link FILLS_PER_CHUNK}). */
  fills: 'fills',
  /** trades~(interval, chunk) → up to TRADES_PER_CHUNK trades of the interval, in trade ID order. */
  trades: 'trades',
  /** balance~(account): read-modify-written only by settlement, deposits and withdrawals. */
  balance: 'balance',
  /** entry~(account, txTime, txId, index): statement entries, oldest first by key order. */
  entry: 'entry',
  /** certificate~(householdId, certificateId). */
  certificate: 'certificate',
  /** certificate~id~(certificateId) → {householdId}. */
  certificateById: 'certificate~id',
  /** idem~(caller identity digest, idempotencyKey): first result of a deposit or withdrawal. */
  idempotency: 'idem',
  /** commitment~(householdId): what each cleared, unsettled interval's trades will cost the household. */
  commitment: 'commitment',
} as const;

export const keys = {
  consortium: (s: KeyStub) => s.createCompositeKey(ObjectType.config, ['consortium']),
  marketConfig: (s: KeyStub) => s.createCompositeKey(ObjectType.config, ['market']),
  household: (s: KeyStub, householdId: string) => s.createCompositeKey(ObjectType.household, [householdId]),
  householdPrivate: (s: KeyStub, householdId: string) => s.createCompositeKey(ObjectType.householdPrivate, [householdId]),
  memberIdentity: (s: KeyStub, mspId: string, identityId: string) =>
    s.createCompositeKey(ObjectType.memberIdentity, [mspId, identityId]),
  meter: (s: KeyStub, meterId: string) => s.createCompositeKey(ObjectType.meter, [meterId]),
  reading: (s: KeyStub, meterId: string, interval: string) => s.createCompositeKey(ObjectType.reading, [meterId, interval]),
  order: (s: KeyStub, interval: string, orderId: string) => s.createCompositeKey(ObjectType.order, [interval, orderId]),
  orderById: (s: KeyStub, orderId: string) => s.createCompositeKey(ObjectType.orderById, [orderId]),
  householdOrder: (s: KeyStub, householdId: string, interval: string, orderId: string) =>
    s.createCompositeKey(ObjectType.householdOrder, [householdId, interval, orderId]),
  interval: (s: KeyStub, interval: string) => s.createCompositeKey(ObjectType.interval, [interval]),
  fills: (s: KeyStub, interval: string, chunk: number) => s.createCompositeKey(ObjectType.fills, [interval, chunkName(chunk)]),
  trades: (s: KeyStub, interval: string, chunk: number) => s.createCompositeKey(ObjectType.trades, [interval, chunkName(chunk)]),
  balance: (s: KeyStub, account: string) => s.createCompositeKey(ObjectType.balance, [account]),
  entry: (s: KeyStub, account: string, txTime: string, txId: string, index: number) =>
    s.createCompositeKey(ObjectType.entry, [account, txTime, txId, String(index).padStart(6, '0')]),
  certificate: (s: KeyStub, householdId: string, certificateId: string) =>
    s.createCompositeKey(ObjectType.certificate, [householdId, certificateId]),
  certificateById: (s: KeyStub, certificateId: string) => s.createCompositeKey(ObjectType.certificateById, [certificateId]),
  idempotency: (s: KeyStub, identityDigest: string, idempotencyKey: string) =>
    s.createCompositeKey(ObjectType.idempotency, [identityDigest, idempotencyKey]),
  commitment: (s: KeyStub, householdId: string) => s.createCompositeKey(ObjectType.commitment, [householdId]),
};

/**
 * Clearing writes its per-order outcomes and its trades in chunks rather than one key each: every
 * key written is a message round trip between chaincode and peer, and one interval may hold
 * 100,000 orders. Chunks of a thousand entries keep each value to tens (fills) or a few hundred
 * (trades) kB, and a single order's outcome is found by reading one chunk.
 */
export const FILLS_PER_CHUNK = 1000;
export const TRADES_PER_CHUNK = 1000;

/** Fixed width, so chunks sort in index order under a range read. */
function chunkName(chunk: number): string {
  return String(chunk).padStart(6, '0');
}

/**
 * The order Fabric keeps keys in (UTF-8 bytes, i.e. code points). JavaScript's `<` compares UTF-16
 * code units, which differs past U+FFFF: a surrogate pair must sort after every BMP character.
 */
export function compareKeyOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Partial keys for range reads (`getStateByPartialCompositeKey(type, attributes)`). */
export const ranges = {
  ordersOfInterval: (interval: string) => [ObjectType.order, [interval]] as const,
  ordersOfHousehold: (householdId: string) => [ObjectType.householdOrder, [householdId]] as const,
  fillsOfInterval: (interval: string) => [ObjectType.fills, [interval]] as const,
  tradesOfInterval: (interval: string) => [ObjectType.trades, [interval]] as const,
  entriesOfAccount: (account: string) => [ObjectType.entry, [account]] as const,
  allEntries: () => [ObjectType.entry, []] as const,
  allBalances: () => [ObjectType.balance, []] as const,
  allOrders: () => [ObjectType.order, []] as const,
  allFills: () => [ObjectType.fills, []] as const,
  allTrades: () => [ObjectType.trades, []] as const,
  certificatesOfHousehold: (householdId: string) => [ObjectType.certificate, [householdId]] as const,
  readingsOfMeter: (meterId: string) => [ObjectType.reading, [meterId]] as const,
  intervals: () => [ObjectType.interval, []] as const,
  households: () => [ObjectType.household, []] as const,
};

/** Accounts that hold money. */
export const accounts = {
  household: (householdId: string) => `household:${householdId}`,
  utility: () => 'utility',
  retailer: (mspId: string) => `retailer:${mspId}`,
};
