/** Settlement maths of one interval: trades and meter readings in, money transfers and certificates out. */
import { assertNonNegativeSafeInteger, checkedAdd, checkedSub, costOf } from './arith';
import { invalidArgument } from './errors';
import { compareStrings } from './ordering';
import type { MarketParams, Trade } from './types';
import { validateParams } from './validation';

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
  /** Net change per account (received − paid); the values sum to exactly 0. */
  netByAccount: Record<Account, number>;
  /** Sum of all transfer amounts. */
  moneyMoved: number;
}

export const UTILITY_ACCOUNT: Account = 'utility';

export function householdAccount(householdId: string): Account {
  return `household:${householdId}`;
}

/** Energy position of one household in the interval, summed over its trades and meters. */
interface Position {
  soldWh: number;
  boughtWh: number;
  exportWh: number;
  importWh: number;
}

/**
 * Settles one interval. Every household with a trade or a listed meter (a household without trades has
 * bought 0 and sold 0, so only its metered energy is settled with the grid) is settled on its gross positions: what it sold against what
 * its meters exported, and what it bought against what they imported (so a household that both buys
 * and sells is settled as a seller and as a buyer). Transfers, in order:
 *   per trade (trade order): buyer → seller cost(Wh, price) `trade`; under sdr buyer → utility
 *     cost(Wh, buyerPrice) − cost(Wh, price) `market-spread`; buyer → utility cost(Wh, gridFee) `grid-fee`;
 *   per household (ID order): sold − exported at retail → retailer `shortfall`; exported − sold at
 *     feed-in from the retailer `excess-export` (`grid-export` when it sold nothing); imported − bought at
 *     retail → retailer `excess-import` (`grid-import` when it bought nothing); bought − imported at
 *     feed-in from the retailer `unused-import`.
 * Zero amounts and transfers from an account to itself are left out. Each transfer moves one integer
 * amount between two accounts, so the net changes sum to 0 by construction.
 */
export function settleInterval(input: SettlementInput): SettlementResult {
  const { interval, trades, meters, readings, params, retailerAccountOf } = input;
  validateParams(params);
  validateTrades(interval, trades);

  const positions = new Map<string, Position>();
  const positionOf = (householdId: string): Position => {
    let position = positions.get(householdId);
    if (!position) {
      position = { soldWh: 0, boughtWh: 0, exportWh: 0, importWh: 0 };
      positions.set(householdId, position);
    }
    return position;
  };

  const missingReadings: string[] = [];
  const meterIds = new Set<string>();
  const firstMeterOf = new Map<string, string>();
  for (const meter of [...meters].sort((a, b) => compareStrings(a.meterId, b.meterId))) {
    if (meterIds.has(meter.meterId)) throw invalidArgument(`meter ${meter.meterId} is listed twice`);
    meterIds.add(meter.meterId);
    if (!firstMeterOf.has(meter.householdId)) firstMeterOf.set(meter.householdId, meter.meterId);
    const position = positionOf(meter.householdId);
    const reading = readings[meter.meterId];
    if (reading === undefined) {
      missingReadings.push(meter.meterId); // counts as zero export and zero import
      continue;
    }
    assertNonNegativeSafeInteger(reading.importWh, `importWh of meter ${meter.meterId}`);
    assertNonNegativeSafeInteger(reading.exportWh, `exportWh of meter ${meter.meterId}`);
    position.importWh = checkedAdd(position.importWh, reading.importWh);
    position.exportWh = checkedAdd(position.exportWh, reading.exportWh);
  }

  const transfers: Transfer[] = [];
  const pay = (from: Account, to: Account, amount: number, kind: TransferKind, householdId: string, tradeId?: string): void => {
    if (amount === 0 || from === to) return;
    transfers.push({ from, to, amount, kind, householdId, ...(tradeId === undefined ? {} : { tradeId }) });
  };

  for (const trade of trades) {
    const buyer = householdAccount(trade.buyerHouseholdId);
    const seller = householdAccount(trade.sellerHouseholdId);
    const sellerAmount = costOf(trade.energyWh, trade.price);
    pay(buyer, seller, sellerAmount, 'trade', trade.buyerHouseholdId, trade.tradeId);
    if (trade.buyerPrice !== undefined) {
      // sdr: the buyer pays the buy price, the seller receives the sell price; the spread goes to the
      // utility as market operator. cost() is monotone in price, so the spread is never negative.
      pay(buyer, UTILITY_ACCOUNT, checkedSub(costOf(trade.energyWh, trade.buyerPrice), sellerAmount), 'market-spread', trade.buyerHouseholdId, trade.tradeId);
    }
    pay(buyer, UTILITY_ACCOUNT, costOf(trade.energyWh, trade.gridFeePerKwh), 'grid-fee', trade.buyerHouseholdId, trade.tradeId);
    const sellerPosition = positionOf(trade.sellerHouseholdId);
    sellerPosition.soldWh = checkedAdd(sellerPosition.soldWh, trade.energyWh);
    const buyerPosition = positionOf(trade.buyerHouseholdId);
    buyerPosition.boughtWh = checkedAdd(buyerPosition.boughtWh, trade.energyWh);
  }

  const { retailTariff, feedInTariff } = params;
  for (const householdId of [...positions.keys()].sort(compareStrings)) {
    const p = positions.get(householdId) as Position;
    const household = householdAccount(householdId);
    const retailer = (): Account => {
      const account = retailerAccountOf[householdId];
      if (typeof account !== 'string' || account === '') throw invalidArgument(`household ${householdId} has no retailer account`);
      return account;
    };
    if (p.soldWh > p.exportWh) pay(household, retailer(), costOf(p.soldWh - p.exportWh, retailTariff), 'shortfall', householdId);
    if (p.exportWh > p.soldWh) {
      const kind = p.soldWh === 0 ? 'grid-export' : 'excess-export';
      pay(retailer(), household, costOf(p.exportWh - p.soldWh, feedInTariff), kind, householdId);
    }
    if (p.importWh > p.boughtWh) {
      const kind = p.boughtWh === 0 ? 'grid-import' : 'excess-import';
      pay(household, retailer(), costOf(p.importWh - p.boughtWh, retailTariff), kind, householdId);
    }
    if (p.boughtWh > p.importWh) pay(retailer(), household, costOf(p.boughtWh - p.importWh, feedInTariff), 'unused-import', householdId);
  }

  const netByAccount: Record<Account, number> = {};
  let moneyMoved = 0;
  for (const t of transfers) {
    netByAccount[t.from] = checkedSub(netByAccount[t.from] ?? 0, t.amount);
    netByAccount[t.to] = checkedAdd(netByAccount[t.to] ?? 0, t.amount);
    moneyMoved = checkedAdd(moneyMoved, t.amount);
  }

  return {
    transfers,
    certificates: issueCertificates(interval, trades, positions, firstMeterOf),
    missingReadings,
    netByAccount: sortKeys(netByAccount),
    moneyMoved,
  };
}

/**
 * Green certificates: each seller's metered export is allocated to its sales in trade order, each
 * buyer's metered import to its purchases in trade order; a trade certifies the smaller of its two
 * allocations (Wh both exported by the seller and taken by the buyer). ID = the trade ID.
 */
function issueCertificates(
  interval: string,
  trades: readonly Trade[],
  positions: ReadonlyMap<string, Position>,
  firstMeterOf: ReadonlyMap<string, string>,
): Certificate[] {
  const exportLeft = new Map<string, number>();
  const importLeft = new Map<string, number>();
  for (const [householdId, p] of positions) {
    exportLeft.set(householdId, p.exportWh);
    importLeft.set(householdId, p.importWh);
  }
  const certificates: Certificate[] = [];
  for (const trade of trades) {
    const fromExport = Math.min(exportLeft.get(trade.sellerHouseholdId) ?? 0, trade.energyWh);
    exportLeft.set(trade.sellerHouseholdId, (exportLeft.get(trade.sellerHouseholdId) ?? 0) - fromExport);
    const intoImport = Math.min(importLeft.get(trade.buyerHouseholdId) ?? 0, trade.energyWh);
    importLeft.set(trade.buyerHouseholdId, (importLeft.get(trade.buyerHouseholdId) ?? 0) - intoImport);
    const energyWh = Math.min(fromExport, intoImport);
    if (energyWh === 0) continue;
    certificates.push({
      certificateId: trade.tradeId,
      interval,
      buyerHouseholdId: trade.buyerHouseholdId,
      sellerMeterId: trade.sellerMeterId ?? firstMeterOf.get(trade.sellerHouseholdId) ?? '',
      zone: trade.zoneFrom,
      energyWh,
      tradeId: trade.tradeId,
    });
  }
  return certificates;
}

function validateTrades(interval: string, trades: readonly Trade[]): void {
  const ids = new Set<string>();
  for (const trade of trades) {
    if (trade.interval !== interval) throw invalidArgument(`trade ${trade.tradeId} belongs to interval ${trade.interval}, not ${interval}`);
    if (ids.has(trade.tradeId)) throw invalidArgument(`trade ${trade.tradeId} appears twice`);
    ids.add(trade.tradeId);
    assertNonNegativeSafeInteger(trade.energyWh, `energyWh of trade ${trade.tradeId}`);
    assertNonNegativeSafeInteger(trade.price, `price of trade ${trade.tradeId}`);
    assertNonNegativeSafeInteger(trade.gridFeePerKwh, `gridFeePerKwh of trade ${trade.tradeId}`);
    if (trade.buyerPrice !== undefined) {
      assertNonNegativeSafeInteger(trade.buyerPrice, `buyerPrice of trade ${trade.tradeId}`);
      if (trade.buyerPrice < trade.price) throw invalidArgument(`trade ${trade.tradeId}: buyerPrice below price`);
    }
  }
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  const sorted: Record<string, T> = {};
  for (const key of Object.keys(record).sort(compareStrings)) sorted[key] = record[key] as T;
  return sorted;
}
