/**
 * Total orders over market orders, so clearing never depends on the order in which orders arrive.
 * Strings compare by UTF-16 code units (not locale), which is the same on every peer.
 */
import type { MarketOrder } from './types';

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Earlier time priority first, then order ID. */
export function compareByTime(a: MarketOrder, b: MarketOrder): number {
  return compareStrings(a.priority, b.priority) || compareStrings(a.orderId, b.orderId);
}

/** Bids: highest price first, then time priority, then order ID. */
export function compareBids(a: MarketOrder, b: MarketOrder): number {
  return b.limitPrice - a.limitPrice || compareByTime(a, b);
}

/** Offers: lowest price first, then time priority, then order ID. */
export function compareOffers(a: MarketOrder, b: MarketOrder): number {
  return a.limitPrice - b.limitPrice || compareByTime(a, b);
}
