import { Context, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { settleInterval, sum, type MeterReading, type SettlementMeter } from '../market';
import { canonicalJson } from '../ledger/canonical';
import { ChaincodeError, conflict } from '../ledger/errors';
import { emitEvent } from '../ledger/events';
import { accounts } from '../ledger/keys';
import type { IntervalRecord } from '../ledger/model';
import type { Ledger, Movement } from '../ledger/repositories';
import { txInfo } from '../ledger/state';
import { requireUtility } from './access';
import { GridshareContract } from './base';
import { householdsOf } from './market';
import { marketParamsOf } from './orderTerms';
import { intervalName } from './validate';

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

  /** Applies trades and meter readings to balances, issues green certificates, marks SETTLED. */
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
    const trades = await ledger.intervals.tradesOf(record.interval);
    const householdIds = householdsOf(trades);
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

  /** Meters, readings and retailer accounts of the households that traded in the interval. */
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
