/** Settlement maths of one interval: trades and meter readings in, money transfers and certificates out. */
import { MarketError } from './errors';
import type { MarketParams, Trade } from './types';

/** 'household:<id>' | 'utility' | 'retailer:<mspId>' */
export type Account = string;

export type TransferKind =
  | 'trade'
  | 'grid-fee'
  | 'market-spread'
  | 'grid-import'
  | 'grid-export'
  | 'shortfall'
  | 'excess-export'
  | 'excess-import'
  | 'unused-import';

export interface Transfer {
  from: Account;
  to: Account;
  /** Positive integer money units. */
  amount: number;
  kind: TransferKind;
  /** The household whose position caused the transfer (the buyer for trade, grid-fee and market-spread). */
  householdId: string;
  tradeId?: string;
}

export interface MeterReading {
  importWh: number;
  exportWh: number;
}

export interface SettlementMeter {
  meterId: string;
  householdId: string;
  zone: string;
}

export interface SettlementInput {
  interval: string;
  trades: Trade[];
  meters: SettlementMeter[];
  readings: Record<string, MeterReading | undefined>;
  params: MarketParams;
  retailerAccountOf: Record<string, Account>;
}

export interface Certificate {
  certificateId: string;
  interval: string;
  buyerHouseholdId: string;
  sellerMeterId: string;
  zone: string;
  energyWh: number;
  tradeId: string;
}

export interface SettlementResult {
  transfers: Transfer[];
  certificates: Certificate[];
  missingReadings: string[];
  netByAccount: Record<Account, number>;
}

export const UTILITY_ACCOUNT: Account = 'utility';

export function householdAccount(householdId: string): Account {
  return `household:${householdId}`;
}

export function settleInterval(input: SettlementInput): SettlementResult {
  void input;
  throw new MarketError('NOT_IMPLEMENTED', 'settlement is being written');
}
