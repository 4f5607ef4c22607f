/**
 * Conservation audit over stored, settled intervals: re-derives from the stored trades and transfers
 * that energy traded balances and that money sums to zero across all parties.
 */
import { checkedAdd, checkedSub, costOf, isNonNegativeSafeInteger } from './arith';
import { compareStrings } from './ordering';
import type { Account, Certificate, Transfer } from './settlement';
import type { Trade, ZoneLimit } from './types';

/** What the ledger stores for one settled interval. */
export interface AuditedInterval {
  interval: string;
  trades: Trade[];
  transfers: Transfer[];
  /** Zone limits in force when the interval cleared (zones missing here have limit 0); omit to skip the check. */
  zones?: ZoneLimit[];
  /** tradedWh recorded on the interval when it cleared; compared with the stored trades. */
  tradedWh?: number;
  /** Certificates issued at settlement; each may certify at most its trade's Wh. */
  certificates?: Certificate[];
  /** Balance changes recorded on the statements for this interval, per account; compared with the transfers. */
  balanceChanges?: Record<Account, number>;
}

export interface ConservationReport {
  ok: boolean;
  intervals: number;
  /** Σ |recorded tradedWh − Σ trade Wh| + Wh certified beyond what trades delivered. */
  energyImbalanceWh: number;
  /** Σ over accounts of the net money change (recorded balance changes when given, else transfers). */
  moneyImbalance: number;
  problems: string[];
}

const MAX_PROBLEMS = 100;

export function checkConservation(intervals: readonly AuditedInterval[]): ConservationReport {
  const problems: string[] = [];
  let hidden = 0;
  const problem = (interval: string, text: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(`${interval}: ${text}`);
    else hidden += 1;
  };
  let energyImbalanceWh = 0;
  let moneyImbalance = 0;

  for (const audited of intervals) {
    const { interval } = audited;
    const tradesById = new Map<string, Trade>();
    let tradeWh = 0;
    const exportsByZone = new Map<string, number>();
    for (const trade of audited.trades) {
      if (trade.interval !== interval) problem(interval, `trade ${trade.tradeId} names interval ${trade.interval}`);
      if (tradesById.has(trade.tradeId)) problem(interval, `trade ${trade.tradeId} stored twice`);
      tradesById.set(trade.tradeId, trade);
      if (!isNonNegativeSafeInteger(trade.energyWh) || trade.energyWh === 0) {
        problem(interval, `trade ${trade.tradeId} has invalid energy ${String(trade.energyWh)}`);
        continue;
      }
      tradeWh = checkedAdd(tradeWh, trade.energyWh);
      if (trade.zoneFrom !== trade.zoneTo) {
        exportsByZone.set(trade.zoneFrom, checkedAdd(exportsByZone.get(trade.zoneFrom) ?? 0, trade.energyWh));
      }
    }

    if (audited.tradedWh !== undefined && audited.tradedWh !== tradeWh) {
      problem(interval, `recorded tradedWh ${audited.tradedWh} but trades sum to ${tradeWh}`);
      energyImbalanceWh = checkedAdd(energyImbalanceWh, Math.abs(checkedSub(audited.tradedWh, tradeWh)));
    }

    if (audited.zones !== undefined) {
      const limits = new Map(audited.zones.map((z) => [z.zone, z.transferLimitWh]));
      for (const [zone, exported] of [...exportsByZone].sort(([a], [b]) => compareStrings(a, b))) {
        const limit = limits.get(zone) ?? 0;
        if (exported > limit) problem(interval, `zone ${zone} exported ${exported} Wh over its limit ${limit} Wh`);
      }
    }

    for (const certificate of audited.certificates ?? []) {
      const trade = tradesById.get(certificate.tradeId);
      if (!trade) {
        problem(interval, `certificate ${certificate.certificateId} refers to unknown trade ${certificate.tradeId}`);
        energyImbalanceWh = checkedAdd(energyImbalanceWh, certificate.energyWh);
      } else if (certificate.energyWh > trade.energyWh) {
        problem(interval, `certificate ${certificate.certificateId} certifies ${certificate.energyWh} Wh of a ${trade.energyWh} Wh trade`);
        energyImbalanceWh = checkedAdd(energyImbalanceWh, certificate.energyWh - trade.energyWh);
      }
    }

    const net = new Map<Account, number>();
    const paidPerTrade = new Map<string, Record<string, number>>();
    for (const transfer of audited.transfers) {
      if (!isNonNegativeSafeInteger(transfer.amount) || transfer.amount === 0) {
        problem(interval, `${transfer.kind} transfer ${transfer.from} → ${transfer.to} has invalid amount ${String(transfer.amount)}`);
        continue;
      }
      net.set(transfer.from, checkedSub(net.get(transfer.from) ?? 0, transfer.amount));
      net.set(transfer.to, checkedAdd(net.get(transfer.to) ?? 0, transfer.amount));
      if (transfer.tradeId !== undefined) {
        const paid = paidPerTrade.get(transfer.tradeId) ?? {};
        paid[transfer.kind] = checkedAdd(paid[transfer.kind] ?? 0, transfer.amount);
        paidPerTrade.set(transfer.tradeId, paid);
      }
    }

    // Every trade must have been paid exactly as settlement prices it.
    for (const trade of tradesById.values()) {
      if (!isNonNegativeSafeInteger(trade.energyWh)) continue;
      const paid = paidPerTrade.get(trade.tradeId) ?? {};
      const sellerAmount = costOf(trade.energyWh, trade.price);
      const expected: Record<string, number> = {
        trade: trade.buyerHouseholdId === trade.sellerHouseholdId ? 0 : sellerAmount,
        'grid-fee': costOf(trade.energyWh, trade.gridFeePerKwh),
        'market-spread': trade.buyerPrice === undefined ? 0 : costOf(trade.energyWh, trade.buyerPrice) - sellerAmount,
      };
      for (const kind of Object.keys(expected)) {
        if ((paid[kind] ?? 0) !== expected[kind]) {
          problem(interval, `trade ${trade.tradeId}: ${kind} paid ${paid[kind] ?? 0}, expected ${String(expected[kind])}`);
        }
      }
    }
    for (const tradeId of paidPerTrade.keys()) {
      if (!tradesById.has(tradeId)) problem(interval, `transfers refer to unknown trade ${tradeId}`);
    }

    let intervalNet = 0;
    if (audited.balanceChanges !== undefined) {
      const accounts = new Set([...net.keys(), ...Object.keys(audited.balanceChanges)]);
      for (const account of [...accounts].sort(compareStrings)) {
        const recorded = audited.balanceChanges[account] ?? 0;
        intervalNet = checkedAdd(intervalNet, recorded);
        const expected = net.get(account) ?? 0;
        if (recorded !== expected) problem(interval, `account ${account} changed by ${recorded}, transfers say ${expected}`);
      }
    } else {
      for (const value of net.values()) intervalNet = checkedAdd(intervalNet, value);
    }
    if (intervalNet !== 0) problem(interval, `money does not sum to zero (${intervalNet})`);
    moneyImbalance = checkedAdd(moneyImbalance, intervalNet);
  }

  if (hidden > 0) problems.push(`… and ${hidden} more problems`);
  return {
    ok: problems.length === 0 && energyImbalanceWh === 0 && moneyImbalance === 0,
    intervals: intervals.length,
    energyImbalanceWh,
    moneyImbalance,
    problems,
  };
}
