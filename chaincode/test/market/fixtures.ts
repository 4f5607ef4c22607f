/** Builders for market test inputs. */
import type { MarketOrder, MarketParams } from '../../src/market';

export const baseParams: MarketParams = {
  mechanism: 'pay-as-clear',
  kBps: 5000,
  feedInTariff: 1000,
  retailTariff: 3000,
  gridFeeLocal: 50,
  gridFeeCrossZone: 150,
  zones: [],
};

export function params(overrides: Partial<MarketParams> = {}): MarketParams {
  return { ...baseParams, ...overrides };
}

let counter = 0;

/** An order; priority defaults to creation order so tests read top to bottom. */
export function order(
  side: 'buy' | 'sell',
  energyWh: number,
  limitPrice: number,
  fields: Partial<MarketOrder> = {},
): MarketOrder {
  counter += 1;
  const orderId = fields.orderId ?? `${side === 'buy' ? 'b' : 's'}${counter}`;
  return {
    orderId,
    householdId: fields.householdId ?? `h-${orderId}`,
    side,
    energyWh,
    limitPrice,
    zone: fields.zone ?? 'Z1',
    priority: fields.priority ?? `2026-11-21T10:00:00.${String(counter).padStart(6, '0')}Z|tx${counter}`,
    ...(fields.meterId === undefined ? (side === 'sell' ? { meterId: `m-${orderId}` } : {}) : { meterId: fields.meterId }),
  };
}

export const bid = (energyWh: number, limitPrice: number, fields?: Partial<MarketOrder>): MarketOrder =>
  order('buy', energyWh, limitPrice, fields);
export const offer = (energyWh: number, limitPrice: number, fields?: Partial<MarketOrder>): MarketOrder =>
  order('sell', energyWh, limitPrice, fields);
