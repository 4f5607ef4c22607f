/**
 * The funding model, enforced at clearing: a buy order takes part only if the household can pay
 * its worst case — energyWh × (limit price + cross-zone fee) / 1000, rounded up — out of
 * balance + credit limit, after the worst cases of its earlier-priority buy orders of the interval.
 * Balances stay off the order path, so placing an order never conflicts with settlement.
 */
import { checkedAdd, checkedMul, checkedSub, type MarketParams } from '../market';
import type { OrderRecord } from '../ledger/model';
import type { Ledger } from '../ledger/repositories';
import { priorityOf } from './orderTerms';

export function maxCostOf(order: Pick<OrderRecord, 'energyWh' | 'limitPrice'>, params: MarketParams): number {
  // Under sdr the buyer's price is set by the market, at most the retail tariff.
  const price = params.mechanism === 'sdr' ? Math.max(order.limitPrice, params.retailTariff) : order.limitPrice;
  const numerator = checkedMul(order.energyWh, checkedAdd(price, params.gridFeeCrossZone));
  // Integer ceiling division: no float rounding in ledger arithmetic.
  const remainder = numerator % 1000;
  return (numerator - remainder) / 1000 + (remainder > 0 ? 1 : 0);
}

export async function selectFundedOrders(
  ledger: Ledger,
  open: readonly OrderRecord[],
  params: MarketParams,
): Promise<{ funded: OrderRecord[]; unfunded: Set<string> }> {
  const available = new Map<string, number>();
  const unfunded = new Set<string>();
  const buys = open.filter((o) => o.side === 'buy').sort((a, b) => compare(priorityOf(a), priorityOf(b)) || compare(a.orderId, b.orderId));
  for (const order of buys) {
    let funds = available.get(order.householdId);
    if (funds === undefined) {
      const household = await ledger.households.find(order.householdId);
      const balance = await ledger.money.householdBalance(order.householdId);
      funds = household ? checkedAdd(balance, household.creditLimit) : 0;
    }
    const cost = maxCostOf(order, params);
    if (cost > funds) unfunded.add(order.orderId);
    else funds = checkedSub(funds, cost);
    available.set(order.householdId, funds);
  }
  return { funded: open.filter((o) => !unfunded.has(o.orderId)), unfunded };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
