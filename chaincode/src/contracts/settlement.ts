import { Context, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { settleInterval, sum, type MeterReading, type SettlementMeter, type Trade } from '../market';
import { canonicalJson } from '../ledger/canonical';
import { ChaincodeError, conflict, marketRule } from '../ledger/errors';
import { emitEvent } from '../ledger/events';
import { accounts } from '../ledger/keys';
import type { IntervalRecord, MarketConfig, OrderRecord } from '../ledger/model';
import type { Ledger, Movement } from '../ledger/repositories';
import { txInfo, type TxInfo } from '../ledger/state';
import { requireUtility } from './access';
import { GridshareContract } from './base';
import { marketParamsOf } from './orderTerms';
import { intervalName, intervalStartSeconds } from './validate';

/**
 * Settlement of cleared intervals, exactly once each. It reads raw readings from the retailers'
 * private collections, so it must be endorsed by peers that hold them (the utility's peer is a
 * member of every retailer collection).
 */
@Info({ title: 'settlement', description: 'Settlement of cleared intervals' })
export class SettlementContract extends GridshareContract {
  constructor() {
    super('settlement');
  }

  /**
   * Applies trades and meter readings to balances, issues green certificates, marks SETTLED.
   * Settles every household that traded or placed an order in the interval; households with no
   * order stay with their retailer's ordinary billing, outside the market.
   */
  @Transaction()
  @Returns('string')
  @Param('interval', 'string', 'interval name YYYY-MM-DDTHH:MM:SSZ')
  async SettleInterval(ctx: Context, interval: string): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    requireUtility(caller, 'settle intervals');
    const config = await ledger.config.market();
    const record = await ledger.intervals.get(intervalName(interval, config.intervalSeconds));
    if (record.status === 'SETTLED') throw new ChaincodeError('ALREADY_SETTLED', `interval ${record.interval} is already settled`);
    if (record.status !== 'CLEARED') throw conflict(`interval ${record.interval} is ${record.status}; clear it before settling`);
    requireEnded(config, record.interval, txInfo(ctx.stub));
    const trades = await ledger.intervals.tradesOf(record.interval);
    const householdIds = householdsToSettle(trades, await ledger.orders.storedOfInterval(record.interval));
    const { meters, readings, retailerAccountOf } = await this.#positions(ledger, householdIds, record.interval);
    const result = settleInterval({
      interval: record.interval,
      trades,
      meters,
      readings,
      params: record.params ?? marketParamsOf(config),
      retailerAccountOf,
    });
    const movements: Movement[] = result.transfers.flatMap((t) => [
      { account: t.from, amount: -t.amount, kind: t.kind, interval: record.interval, tradeId: t.tradeId },
      { account: t.to, amount: t.amount, kind: t.kind, interval: record.interval, tradeId: t.tradeId },
    ]);
    await ledger.money.apply(movements, txInfo(ctx.stub));
    await ledger.commitments.release(record.interval, trades);
    for (const certificate of result.certificates) await ledger.certificates.insert({ ...certificate, claimed: false });
    const moneyMoved = sum(result.transfers.map((t) => t.amount));
    const settled: IntervalRecord = {
      ...record,
      status: 'SETTLED',
      settlement: {
        households: householdIds.length,
        missingReadings: result.missingReadings,
        moneyMoved,
        certificates: result.certificates.length,
        transfers: result.transfers,
      },
    };
    await ledger.intervals.put(settled);
    emitEvent(ctx.stub, 'IntervalSettled', { interval: record.interval, householdIds, moneyMoved, missingReadings: result.missingReadings });
    return canonicalJson({
      interval: record.interval,
      status: 'SETTLED',
      households: householdIds.length,
      missingReadings: result.missingReadings,
      moneyMoved,
      certificates: result.certificates.length,
    });
  }

  /** Meters, readings and retailer accounts of the households settled in the interval. */
  async #positions(ledger: Ledger, householdIds: readonly string[], interval: string) {
    const meters: SettlementMeter[] = [];
    const readings: Record<string, MeterReading | undefined> = {};
    const retailerAccountOf: Record<string, string> = {};
    for (const householdId of householdIds) {
      const household = await ledger.households.get(householdId);
      retailerAccountOf[householdId] = accounts.retailer(household.retailer);
      for (const meterId of household.meters) {
        const meter = await ledger.meters.get(meterId);
        meters.push({ meterId, householdId, zone: meter.zone });
        const reading = await ledger.meters.findReading(household.retailer, meterId, interval);
        readings[meterId] = reading ? { importWh: reading.importWh, exportWh: reading.exportWh } : undefined;
      }
    }
    return { meters, readings, retailerAccountOf };
  }
}

/** On the wall clock an interval settles only after it has ended, when its readings can be in. */
function requireEnded(config: MarketConfig, interval: string, tx: TxInfo): void {
  if (config.clock === 'wall' && tx.seconds < intervalStartSeconds(interval) + config.intervalSeconds) {
    throw marketRule(`interval ${interval} has not ended yet; it settles once its readings are in`);
  }
}

/**
 * The households in the interval's market, in ID order: every seller and buyer of a trade, and every
 * household with an order of the interval in any status (unmatched, unfunded or cancelled too), whose
 * metered energy is then settled with the grid at the tariffs.
 */
export function householdsToSettle(trades: readonly Trade[], orders: readonly OrderRecord[]): string[] {
  const ids = new Set<string>();
  for (const t of trades) ids.add(t.buyerHouseholdId).add(t.sellerHouseholdId);
  for (const o of orders) ids.add(o.householdId);
  return [...ids].sort();
}
