/** Conservation audit maths over stored, settled intervals. */
import { MarketError } from './errors';
import type { Account, Transfer } from './settlement';
import type { Trade, ZoneLimit } from './types';

/** What the ledger stores for one settled interval. */
export interface AuditedInterval {
  interval: string;
  trades: Trade[];
  transfers: Transfer[];
  /** Zone limits in force when the interval cleared (zones missing here have limit 0). */
  zones?: ZoneLimit[];
  /** tradedWh recorded on the interval when it cleared; compared with the stored trades. */
  tradedWh?: number;
  /** Balance changes recorded on the statements for this interval, per account; compared with the transfers. */
  balanceChanges?: Record<Account, number>;
}

export interface ConservationReport {
  intervals: number;
  energyImbalanceWh: number;
  moneyImbalance: number;
  problems: string[];
}

export function checkConservation(intervals: readonly AuditedInterval[]): ConservationReport {
  void intervals;
  throw new MarketError('NOT_IMPLEMENTED', 'audit is being written');
}
