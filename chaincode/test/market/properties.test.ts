import fc from 'fast-check';
import {
  checkConservation,
  clearInterval,
  settleInterval,
  type ClearingResult,
  type MarketOrder,
  type MarketParams,
  type MeterReading,
} from '../../src/market';

const I = '2026-11-21T10:15:00Z';
const ZONES = ['A', 'B', 'C'];
const HOUSEHOLDS = ['h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7'];

const paramsArb: fc.Arbitrary<MarketParams> = fc
  .record({
    mechanism: fc.constantFrom('pay-as-clear', 'pay-as-bid', 'sdr') as fc.Arbitrary<MarketParams['mechanism']>,
    kBps: fc.integer({ min: 0, max: 10000 }),
    feedInTariff: fc.integer({ min: 0, max: 2000 }),
    spread: fc.integer({ min: 0, max: 3000 }),
    gridFeeLocal: fc.integer({ min: 0, max: 200 }),
    gridFeeCrossZone: fc.integer({ min: 0, max: 500 }),
    limits: fc.array(fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
  })
  .map(({ spread, limits, ...rest }) => ({
    ...rest,
    retailTariff: rest.feedInTariff + spread,
    // A zone whose limit is undefined is left out of the config: it may export nothing.
    zones: ZONES.flatMap((zone, i) => (limits[i] === undefined ? [] : [{ zone, transferLimitWh: limits[i] as number }])),
  }));

function ordersArb(p: MarketParams): fc.Arbitrary<MarketOrder[]> {
  return fc
    .array(
      fc.record({
        side: fc.constantFrom('buy', 'sell') as fc.Arbitrary<'buy' | 'sell'>,
        energyWh: fc.integer({ min: 1, max: 2000 }),
        // Few distinct prices and priorities, so ties are common.
        limitPrice: fc.integer({ min: 0, max: 8 }).map((step) => p.feedInTariff + Math.floor(((p.retailTariff - p.feedInTariff) * step) / 8)),
        zone: fc.constantFrom(...ZONES),
        household: fc.constantFrom(...HOUSEHOLDS),
        priority: fc.integer({ min: 0, max: 5 }).map((n) => `t${n}`),
      }),
      { maxLength: 40 },
    )
    .map((raw) =>
      raw.map((r, i) => ({
        orderId: `o${String(i).padStart(3, '0')}`,
        householdId: r.household,
        side: r.side,
        energyWh: r.energyWh,
        limitPrice: r.limitPrice,
        zone: r.zone,
        priority: r.priority,
        ...(r.side === 'sell' ? { meterId: `m-${r.household}-${r.zone}` } : {}),
      })),
    );
}

const marketArb = paramsArb.chain((p) => fc.tuple(fc.constant(p), ordersArb(p)));

function check(result: ClearingResult, orders: MarketOrder[], p: MarketParams): void {
  const byId = new Map(orders.map((o) => [o.orderId, o]));
  const fromTrades = new Map<string, number>();
  for (const t of result.trades) {
    const buy = byId.get(t.buyOrderId)!;
    const sell = byId.get(t.sellOrderId)!;
    expect(buy.side).toBe('buy');
    expect(sell.side).toBe('sell');
    expect(t.energyWh).toBeGreaterThan(0);
    if (p.mechanism === 'sdr') {
      expect(t.price).toBeGreaterThanOrEqual(p.feedInTariff);
      expect(t.buyerPrice!).toBeGreaterThanOrEqual(t.price);
      expect(t.buyerPrice!).toBeLessThanOrEqual(p.retailTariff);
    } else {
      expect(t.price).toBeLessThanOrEqual(buy.limitPrice);
      expect(t.price).toBeGreaterThanOrEqual(sell.limitPrice);
    }
    expect([t.zoneFrom, t.zoneTo]).toEqual([sell.zone, buy.zone]);
    expect(t.gridFeePerKwh).toBe(t.zoneFrom === t.zoneTo ? p.gridFeeLocal : p.gridFeeCrossZone);
    fromTrades.set(t.buyOrderId, (fromTrades.get(t.buyOrderId) ?? 0) + t.energyWh);
    fromTrades.set(t.sellOrderId, (fromTrades.get(t.sellOrderId) ?? 0) + t.energyWh);
  }
  let buyMatched = 0;
  let sellMatched = 0;
  for (const o of orders) {
    const matched = result.matchedWh[o.orderId]!;
    expect(matched).toBe(fromTrades.get(o.orderId) ?? 0);
    expect(matched).toBeLessThanOrEqual(o.energyWh);
    if (o.side === 'buy') buyMatched += matched;
    else sellMatched += matched;
  }
  expect(buyMatched).toBe(result.tradedWh);
  expect(sellMatched).toBe(result.tradedWh);
  for (const zone of ZONES) {
    const limit = p.zones.find((z) => z.zone === zone)?.transferLimitWh ?? 0;
    expect(result.zoneExportsWh[zone] ?? 0).toBeLessThanOrEqual(limit);
  }
  result.trades.forEach((t, i) => expect(t.tradeId).toBe(`${I}#${String(i + 1).padStart(6, '0')}`));
}

describe('clearing properties', () => {
  it('respects limit prices, order sizes, volume balance and zone limits', () => {
    fc.assert(
      fc.property(marketArb, ([p, orders]) => check(clearInterval(I, orders, p), orders, p)),
      { numRuns: 400 },
    );
  });

  it('does not depend on the order in which orders arrive', () => {
    fc.assert(
      fc.property(
        marketArb.chain(([p, orders]) => fc.tuple(fc.constant(p), fc.constant(orders), fc.shuffledSubarray(orders, { minLength: orders.length }))),
        ([p, orders, shuffled]) => {
          expect(clearInterval(I, shuffled, p)).toEqual(clearInterval(I, orders, p));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves no crossing bid and offer inside a zone under the price mechanisms', () => {
    fc.assert(
      fc.property(marketArb, ([p, orders]) => {
        fc.pre(p.mechanism !== 'sdr');
        const result = clearInterval(I, orders, p);
        for (const zone of ZONES) {
          const open = orders.filter((o) => o.zone === zone && result.matchedWh[o.orderId]! < o.energyWh);
          const bestBid = Math.max(-1, ...open.filter((o) => o.side === 'buy').map((o) => o.limitPrice));
          const bestOffer = Math.min(Infinity, ...open.filter((o) => o.side === 'sell').map((o) => o.limitPrice));
          expect(bestBid).toBeLessThan(bestOffer);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('matches min(supply, demand) under sdr when zones do not bind', () => {
    fc.assert(
      fc.property(marketArb, ([p, orders]) => {
        const unlimited: MarketParams = { ...p, mechanism: 'sdr', zones: ZONES.map((zone) => ({ zone, transferLimitWh: 1e9 })) };
        const result = clearInterval(I, orders, unlimited);
        expect(result.tradedWh).toBe(Math.min(result.buyWh, result.sellWh));
      }),
      { numRuns: 200 },
    );
  });
});

const readingArb: fc.Arbitrary<MeterReading | undefined> = fc.option(
  fc.record({ importWh: fc.integer({ min: 0, max: 5000 }), exportWh: fc.integer({ min: 0, max: 5000 }) }),
  { nil: undefined, freq: 4 },
);

describe('settlement properties', () => {
  it('conserves money exactly with non-negative integer transfers, and certifies only delivered Wh', () => {
    fc.assert(
      fc.property(marketArb, fc.array(readingArb, { minLength: HOUSEHOLDS.length * ZONES.length, maxLength: HOUSEHOLDS.length * ZONES.length }), ([p, orders], readingList) => {
        const cleared = clearInterval(I, orders, p);
        const meters = HOUSEHOLDS.flatMap((h) => ZONES.map((zone) => ({ meterId: `m-${h}-${zone}`, householdId: h, zone })));
        const readings: Record<string, MeterReading | undefined> = {};
        meters.forEach((m, i) => {
          readings[m.meterId] = readingList[i];
        });
        const retailerAccountOf = Object.fromEntries(HOUSEHOLDS.map((h, i) => [h, `retailer:R${i % 2}`]));
        const settled = settleInterval({ interval: I, trades: cleared.trades, meters, readings, params: p, retailerAccountOf });

        for (const t of settled.transfers) {
          expect(Number.isSafeInteger(t.amount) && t.amount > 0).toBe(true);
          expect(t.from).not.toBe(t.to);
        }
        expect(Object.values(settled.netByAccount).reduce((a, b) => a + b, 0)).toBe(0);
        expect(settled.missingReadings).toEqual(meters.filter((m) => readings[m.meterId] === undefined).map((m) => m.meterId).sort());

        // Certificates never exceed a trade, a seller's export or a buyer's import.
        const exportOf = new Map<string, number>();
        const importOf = new Map<string, number>();
        for (const m of meters) {
          exportOf.set(m.householdId, (exportOf.get(m.householdId) ?? 0) + (readings[m.meterId]?.exportWh ?? 0));
          importOf.set(m.householdId, (importOf.get(m.householdId) ?? 0) + (readings[m.meterId]?.importWh ?? 0));
        }
        const tradesById = new Map(cleared.trades.map((t) => [t.tradeId, t]));
        const certifiedFrom = new Map<string, number>();
        const certifiedTo = new Map<string, number>();
        for (const c of settled.certificates) {
          const t = tradesById.get(c.tradeId)!;
          expect(c.energyWh).toBeGreaterThan(0);
          expect(c.energyWh).toBeLessThanOrEqual(t.energyWh);
          expect(c.buyerHouseholdId).toBe(t.buyerHouseholdId);
          certifiedFrom.set(t.sellerHouseholdId, (certifiedFrom.get(t.sellerHouseholdId) ?? 0) + c.energyWh);
          certifiedTo.set(t.buyerHouseholdId, (certifiedTo.get(t.buyerHouseholdId) ?? 0) + c.energyWh);
        }
        for (const [h, wh] of certifiedFrom) expect(wh).toBeLessThanOrEqual(exportOf.get(h)!);
        for (const [h, wh] of certifiedTo) expect(wh).toBeLessThanOrEqual(importOf.get(h)!);

        // The audit agrees with what settlement produced.
        const report = checkConservation([
          { interval: I, trades: cleared.trades, transfers: settled.transfers, zones: p.zones, tradedWh: cleared.tradedWh, certificates: settled.certificates, balanceChanges: settled.netByAccount },
        ]);
        expect(report.problems).toEqual([]);
        expect(report.ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
