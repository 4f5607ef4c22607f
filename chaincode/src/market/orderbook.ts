/** Public, anonymous view of an interval's orders: total Wh per price level. */
import { checkedAdd } from './arith';
import type { MarketOrder, OrderBookLevel } from './types';

function levels(orders: readonly MarketOrder[], descending: boolean): OrderBookLevel[] {
  const byPrice = new Map<number, number>();
  for (const order of orders) {
    byPrice.set(order.limitPrice, checkedAdd(byPrice.get(order.limitPrice) ?? 0, order.energyWh));
  }
  return [...byPrice.entries()]
    .sort(([a], [b]) => (descending ? b - a : a - b))
    .map(([price, energyWh]) => ({ price, energyWh }));
}

/** Bids by price descending, offers by price ascending. */
export function aggregateOrderBook(orders: readonly MarketOrder[]): { bids: OrderBookLevel[]; offers: OrderBookLevel[] } {
  return {
    bids: levels(
      orders.filter((o) => o.side === 'buy'),
      true,
    ),
    offers: levels(
      orders.filter((o) => o.side === 'sell'),
      false,
    ),
  };
}
