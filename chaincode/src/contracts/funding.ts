/**
 * The funding model, enforced at clearing. A household's spendable funds are its balance plus its
 * credit limit, less what its cleared but not yet settled intervals already committed. A buy order
 * takes part only if those funds cover its worst case — energyWh × (limit price + cross-zone fee)
 * / 1000, rounded up — after the worst cases of its earlier-priority buy orders of the interval.
 * Once the interval clears, what its trades will actually cost each buyer at settlement is
 * committed until the interval settles.
 * Balances stay off the order path, so placing an order never conflicts with settlement.
 */
import { checkedAdd, checkedSub, checkedMul, compareStrings, costOf, type MarketParams, type Trade } from '../market';
import type { HouseholdRecord, OrderRecord } from '../ledger/model';
import type { Ledger } from '../ledger/repositories';
import { priorityOf } from './orderTerms';

/** Reads a household once per transaction (suspension, export capacity and funding all need it). */
export type HouseholdLookup = (householdId: string) => Promise<HouseholdRecord | undefined>;

export function maxCostOf(order: Pick<OrderRecord, 'energyWh' | 'limitPrice'>, params: MarketParams): number {
  // Under sdr the buyer's price is set by the market, at most the retail tariff.
  const price = params.mechanism === 'sdr' ? Math.max(order.limitPrice, params.retailTariff) : order.limitPrice;
  const numerator = checkedMul(order.energyWh, checkedAdd(price, params.gridFeeCrossZone));
  // Integer ceiling division: no float rounding in ledger arithmetic.
  const remainder = numerator % 1000;
  return (numerator - remainder) / 1000 + (remainder > 0 ? 1 : 0);
}

/**
 * Buy orders of an interval that their households can fund, in time priority per household;
 * the rest are `unfunded`. Sell orders pass through.
 */
export async function selectFundedOrders(
  ledger: Ledger,
  interval: string,
  open: readonly OrderRecord[],
  params: MarketParams,
  householdOf: HouseholdLookup,
): Promise<{ funded: OrderRecord[]; unfunded: Set<string> }> {
  const available = new Map<string, number>();
  const unfunded = new Set<string>();
  const buys = open.filter((o) => o.side === 'buy').sort((a, b) => compareStrings(priorityOf(a), priorityOf(b)) || compareStrings(a.orderId, b.orderId));
  for (const order of buys) {
    let funds = available.get(order.householdId);
    if (funds === undefined) funds = await spendableFunds(ledger, interval, order.householdId, householdOf);
    const cost = maxCostOf(order, params);
    if (cost > funds) unfunded.add(order.orderId);
    else funds = checkedSub(funds, cost);
    available.set(order.householdId, funds);
  }
  return { funded: open.filter((o) => !unfunded.has(o.orderId)), unfunded };
}

/** Balance + credit limit − commitments of other cleared, unsettled intervals; 0 for an unknown household. */
async function spendableFunds(ledger: Ledger, interval: string, householdId: string, householdOf: HouseholdLookup): Promise<number> {
  const household = await householdOf(householdId);
  if (!household) return 0;
  const balance = await ledger.money.householdBalance(householdId);
  const committed = await ledger.commitments.outstanding(householdId, interval);
  return checkedSub(checkedAdd(balance, household.creditLimit), committed);
}

/**
 * A household's balance, what its cleared, unsettled intervals will cost (`committed`, see the
 * funding model) and what a withdrawal may take (`available` = balance − committed; never credit,
 * and negative when imbalance charges took the balance below the commitments).
 */
export async function fundsOf(ledger: Ledger, householdId: string): Promise<{ balance: number; committed: number; available: number }> {
  const balance = await ledger.money.householdBalance(householdId);
  const committed = await ledger.commitments.outstanding(householdId);
  return { balance, committed, available: checkedSub(balance, committed) };
}

/**
 * What each buyer of the trades will pay for them at settlement: per trade, the trade cost to the
 * seller (nothing when buyer and seller are one household), the sdr market spread and the grid fee —
 * exactly the buyer-side transfers of src/market/settlement.ts. Imbalance charges depend on meter
 * readings and are not committed.
 */
export function commitmentsOf(trades: readonly Trade[]): Map<string, number> {
  const amounts = new Map<string, number>();
  for (const trade of trades) {
    const traded = trade.buyerHouseholdId === trade.sellerHouseholdId ? 0 : costOf(trade.energyWh, trade.price);
    const spread = trade.buyerPrice === undefined ? 0 : checkedSub(costOf(trade.energyWh, trade.buyerPrice), costOf(trade.energyWh, trade.price));
    const fee = costOf(trade.energyWh, trade.gridFeePerKwh);
    const total = checkedAdd(checkedAdd(traded, spread), fee);
    amounts.set(trade.buyerHouseholdId, checkedAdd(amounts.get(trade.buyerHouseholdId) ?? 0, total));
  }
  return amounts;
}
