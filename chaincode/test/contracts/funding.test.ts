import fc from 'fast-check';
import { commitmentsOf, maxCostOf } from '../../src/contracts/funding';
import { settleInterval, type MarketParams, type Trade } from '../../src/market';

const T = '2026-11-21T10:00:00Z';

const params: MarketParams = { mechanism: 'pay-as-clear', kBps: 5000, feedInTariff: 800, retailTariff: 3000, gridFeeLocal: 100, gridFeeCrossZone: 300, zones: [] };

test.each([
  [1000, 2000, 2300],
  [1, 2000, 3], // 2.3 rounds up
  [999, 700, 999], // 999 × 1000 / 1000 exactly
  [9_007_199_254, 700, 9_007_199_254], // large, still exact
  [9_007_199_253, 701, 9_016_206_453], // 9007199253 × 1001 / 1000 = 9016206452.253 → up
])('worst case of %i Wh at %i is %i', (energyWh, limitPrice, expected) => {
  expect(maxCostOf({ energyWh, limitPrice }, params)).toBe(expected);
});

test('under sdr the retail tariff bounds the buyer price', () => {
  expect(maxCostOf({ energyWh: 1000, limitPrice: 900 }, { ...params, mechanism: 'sdr' })).toBe(3300);
});

describe('commitments of cleared trades', () => {
  const householdIds = ['h-a', 'h-b', 'h-c'];
  const tradeArb = fc.record({
    buyer: fc.constantFrom(...householdIds),
    seller: fc.constantFrom(...householdIds),
    energyWh: fc.integer({ min: 0, max: 5_000_000 }),
    price: fc.integer({ min: 0, max: 10_000 }),
    spread: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined }),
    gridFeePerKwh: fc.integer({ min: 0, max: 1_000 }),
  });

  test('equal, per buyer, what settlement takes from the buyer for the trades (trade, market spread, grid fee)', () => {
    fc.assert(
      fc.property(fc.array(tradeArb, { maxLength: 12 }), (specs) => {
        const trades: Trade[] = specs.map((t, i) => ({
          tradeId: `${T}#${i}`,
          interval: T,
          buyOrderId: `b-${i}`,
          sellOrderId: `s-${i}`,
          buyerHouseholdId: t.buyer,
          sellerHouseholdId: t.seller,
          energyWh: t.energyWh,
          price: t.price,
          ...(t.spread === undefined ? {} : { buyerPrice: t.price + t.spread }),
          gridFeePerKwh: t.gridFeePerKwh,
          zoneFrom: 'Z1',
          zoneTo: 'Z1',
        }));
        const settled = settleInterval({
          interval: T,
          trades,
          meters: [],
          readings: {},
          params: { ...params, mechanism: 'sdr' },
          retailerAccountOf: Object.fromEntries(householdIds.map((h) => [h, 'retailer:R'])),
        });
        const expected = new Map<string, number>();
        for (const t of settled.transfers) {
          if (t.tradeId === undefined || !t.from.startsWith('household:')) continue;
          const buyer = t.from.slice('household:'.length);
          expected.set(buyer, (expected.get(buyer) ?? 0) + t.amount);
        }
        const committed = commitmentsOf(trades);
        for (const h of householdIds) expect(committed.get(h) ?? 0).toBe(expected.get(h) ?? 0);
      }),
    );
  });

  test('never exceed the worst case funding reserved for the matched energy', () => {
    // 1000 Wh bought at 2000 across two trades, fee 300: worst case 2300, committed at most that.
    const trade = (i: number, energyWh: number, price: number): Trade => ({
      tradeId: `${T}#${i}`, interval: T, buyOrderId: 'b', sellOrderId: `s-${i}`, buyerHouseholdId: 'h-a', sellerHouseholdId: 'h-b',
      energyWh, price, gridFeePerKwh: 300, zoneFrom: 'Z1', zoneTo: 'Z2',
    });
    const committed = commitmentsOf([trade(0, 333, 2000), trade(1, 667, 1999)]).get('h-a');
    expect(committed).toBe(666 + 99 + 1333 + 200);
    expect(committed).toBeLessThanOrEqual(maxCostOf({ energyWh: 1000, limitPrice: 2000 }, params));
  });
});
