/** Input checks of the pure market functions: bad input throws INVALID_ARGUMENT and computes nothing. */
import { assertNonNegativeSafeInteger, isNonNegativeSafeInteger } from './arith';
import { invalidArgument } from './errors';
import type { MarketOrder, MarketParams } from './types';

const MECHANISMS = new Set(['pay-as-clear', 'pay-as-bid', 'sdr']);

export function validateParams(params: MarketParams): void {
  if (!MECHANISMS.has(params.mechanism)) throw invalidArgument(`unknown mechanism ${String(params.mechanism)}`);
  assertNonNegativeSafeInteger(params.kBps, 'kBps');
  if (params.kBps > 10000) throw invalidArgument(`kBps must be 0..10000, got ${params.kBps}`);
  assertNonNegativeSafeInteger(params.feedInTariff, 'feedInTariff');
  assertNonNegativeSafeInteger(params.retailTariff, 'retailTariff');
  assertNonNegativeSafeInteger(params.gridFeeLocal, 'gridFeeLocal');
  assertNonNegativeSafeInteger(params.gridFeeCrossZone, 'gridFeeCrossZone');
  if (params.feedInTariff > params.retailTariff) {
    throw invalidArgument(`feedInTariff ${params.feedInTariff} exceeds retailTariff ${params.retailTariff}`);
  }
  const seen = new Set<string>();
  for (const limit of params.zones) {
    if (typeof limit.zone !== 'string' || limit.zone === '') throw invalidArgument('zone names must be non-empty strings');
    if (seen.has(limit.zone)) throw invalidArgument(`zone ${limit.zone} is listed twice`);
    seen.add(limit.zone);
    assertNonNegativeSafeInteger(limit.transferLimitWh, `transferLimitWh of zone ${limit.zone}`);
  }
}

export function validateOrders(orders: readonly MarketOrder[]): void {
  const ids = new Set<string>();
  for (const order of orders) {
    if (typeof order.orderId !== 'string' || order.orderId === '') throw invalidArgument('orderId must be a non-empty string');
    if (ids.has(order.orderId)) throw invalidArgument(`order ${order.orderId} appears twice`);
    ids.add(order.orderId);
    if (order.side !== 'buy' && order.side !== 'sell') throw invalidArgument(`order ${order.orderId}: bad side`);
    if (!isNonNegativeSafeInteger(order.energyWh) || order.energyWh === 0) {
      throw invalidArgument(`order ${order.orderId}: energyWh must be a positive safe integer`);
    }
    assertNonNegativeSafeInteger(order.limitPrice, `limitPrice of order ${order.orderId}`);
    for (const field of ['householdId', 'zone', 'priority'] as const) {
      if (typeof order[field] !== 'string') throw invalidArgument(`order ${order.orderId}: ${field} must be a string`);
    }
  }
}
