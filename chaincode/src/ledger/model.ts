/** Records stored on the ledger (public state unless noted). All numbers are safe integers. */
import type { Certificate, MarketParams, OrderBookLevel, Side, Trade, Transfer } from '../market';

export interface ConsortiumRecord {
  utilityMspId: string;
  retailerMspIds: string[];
  auditorMspIds: string[];
}

export type MarketClock = 'wall' | 'operator';

/** The market's parameters for clearing, plus the clock and the units they are stated in. */
export interface MarketConfig extends MarketParams {
  intervalSeconds: number;
  clock: MarketClock;
  moneyScale: number;
  priceUnit: string;
}

export type MemberRole = 'owner' | 'member';

export interface MemberRecord {
  userId: string;
  role: MemberRole;
  canTrade: boolean;
  mspId: string;
  identityId: string;
}

/** Value of the member~identity index: which household a certificate identity belongs to. */
export interface IdentityBinding {
  householdId: string;
  userId: string;
}

export interface HouseholdRecord {
  householdId: string;
  displayName: string;
  /** MSP ID of the household's retailer. */
  retailer: string;
  creditLimit: number;
  suspended: boolean;
  members: MemberRecord[];
  /** Meter IDs in registration order. */
  meters: string[];
  /**
   * What an order needs of each of these meters (zone, capacities, retired), kept here by
   * RegisterMeter and RetireMeter so that placing an order reads the household and not its meter
   * as well. Absent, or without a meter, on records stored before it existed: such a meter is read
   * from its own record.
   */
  meterTerms?: Record<string, MeterTerms>;
  /** SHA-256 of the canonical private details with their salt; null without details. */
  privateDetailsHash: string | null;
}

export interface PrivateDetails {
  name: string;
  address: string;
  email: string;
}

/** The part of a meter record that order placement needs, copied into its household's record. */
export type MeterTerms = Pick<MeterRecord, 'zone' | 'exportCapacityW' | 'importCapacityW' | 'retired'>;

export interface MeterRecord {
  meterId: string;
  householdId: string;
  zone: string;
  exportCapacityW: number;
  importCapacityW: number;
  publicKeyPem: string;
  retired: boolean;
  /**
   * Transaction time of RetireMeter (fixed-width ISO-8601 with nanoseconds, as `txInfo().time`):
   * readings of intervals that started before it are still accepted. Absent on meters retired
   * before it was recorded, whose readings are all refused.
   */
  retiredAt?: string;
}

export interface ReadingValue {
  meterId: string;
  interval: string;
  importWh: number;
  exportWh: number;
}

/** Raw reading as kept in the retailer's private collection. */
export interface PrivateReading extends ReadingValue {
  signature: string;
  salt: string;
}

/** Public trace of a reading: salted hash of the canonical private record. */
export interface ReadingHash {
  meterId: string;
  interval: string;
  hash: string;
}

export type OrderStatus = 'OPEN' | 'CANCELLED' | 'MATCHED' | 'PARTIALLY_MATCHED' | 'UNMATCHED';

export interface OrderRecord {
  orderId: string;
  householdId: string;
  side: Side;
  interval: string;
  energyWh: number;
  limitPrice: number;
  meterId?: string;
  zone: string;
  status: OrderStatus;
  matchedWh: number;
  /** Why clearing left the order unmatched, e.g. `HOUSEHOLD_SUSPENDED`, `UNFUNDED` or `PRICE_OUT_OF_BOUNDS`. */
  reason?: string;
  idempotencyKey: string;
  placedBy: string;
  txId: string;
  txTime: string;
}

/** What clearing decided for one order that was OPEN when the interval cleared. */
export interface OrderOutcome {
  status: Exclude<OrderStatus, 'OPEN' | 'CANCELLED'>;
  matchedWh: number;
  reason?: string;
}

/**
 * fills~(interval, chunk): clearing outcomes of consecutive open orders (in order key order).
 * The order records themselves keep `OPEN`; readers merge the outcome (OrderRepository).
 */
export interface FillsChunkRecord {
  interval: string;
  chunk: number;
  outcomes: Record<string, OrderOutcome>;
}

/** trades~(interval, chunk): consecutive trades of an interval, in trade ID order. */
export interface TradesChunkRecord {
  interval: string;
  chunk: number;
  trades: Trade[];
}

export type IntervalStatus = 'OPEN' | 'CLOSED' | 'CLEARED' | 'SETTLED';

export interface IntervalRecord {
  interval: string;
  status: IntervalStatus;
  clearingPrice?: number | null;
  tradedWh?: number;
  buyWh?: number;
  sellWh?: number;
  trades?: number;
  orderBook?: { bids: OrderBookLevel[]; offers: OrderBookLevel[] };
  zoneExportsWh?: Record<string, number>;
  /** First order ID of each fills chunk, in key order: chunk i holds the outcomes of IDs from fillChunks[i] up to fillChunks[i+1]. */
  fillChunks?: string[];
  /** Market parameters in force when the interval cleared: settlement and the audit use these. */
  params?: MarketParams;
  settlement?: SettlementSummary;
}

export interface SettlementSummary {
  households: number;
  missingReadings: string[];
  moneyMoved: number;
  certificates: number;
  transfers: Transfer[];
}

export interface BalanceRecord {
  account: string;
  balance: number;
}

export interface StatementEntry {
  entryId: string;
  account: string;
  /** Set on entries of household accounts. */
  householdId?: string;
  txId: string;
  interval?: string;
  tradeId?: string;
  kind: string;
  amount: number;
  balanceAfter: number;
}

export interface CertificateRecord extends Certificate {
  claimed: boolean;
  claimedBy?: string;
  claimedTxId?: string;
}

export interface IdempotencyRecord {
  operation: 'deposit' | 'withdraw';
  request: { householdId: string; amount: number };
  result: Record<string, unknown>;
}
