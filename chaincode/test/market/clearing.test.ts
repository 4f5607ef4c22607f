import { clearInterval, MarketError, type MarketOrder, type Trade } from '../../src/market';
import { bid, offer, params } from './fixtures';

const I = '2026-11-21T10:15:00Z';

function tradeSummary(trades: Trade[]): Array<[string, string, number, number]> {
  return trades.map((t) => [t.buyOrderId, t.sellOrderId, t.energyWh, t.price]);
}

describe('pay-as-clear', () => {
  const handCase: MarketOrder[] = [
    bid(400, 2800, { orderId: 'B1' }),
    bid(500, 2200, { orderId: 'B2' }),
    bid(300, 1500, { orderId: 'B3' }),
    offer(600, 1000, { orderId: 'S1' }),
    offer(400, 2000, { orderId: 'S2' }),
    offer(500, 2600, { orderId: 'S3' }),
  ];

  it('clears the hand-computed case at 2100 with 900 Wh', () => {
    const result = clearInterval(I, handCase, params());
    expect(result.clearingPrice).toBe(2100);
    expect(result.tradedWh).toBe(900);
    expect(result.buyWh).toBe(1200);
    expect(result.sellWh).toBe(1500);
    // Walk: B1×S1 400, B2×S1 200, B2×S2 300; K = (B2 @2200, S2 @2000) → (2200 + 2000) / 2.
    expect(tradeSummary(result.trades)).toEqual([
      ['B1', 'S1', 400, 2100],
      ['B2', 'S1', 200, 2100],
      ['B2', 'S2', 300, 2100],
    ]);
    expect(result.trades.map((t) => t.tradeId)).toEqual([`${I}#000001`, `${I}#000002`, `${I}#000003`]);
    expect(result.matchedWh).toEqual({ B1: 400, B2: 500, B3: 0, S1: 600, S2: 300, S3: 0 });
    expect(result.trades[0]).toMatchObject({ gridFeePerKwh: 50, zoneFrom: 'Z1', zoneTo: 'Z1', sellerMeterId: 'm-S1' });
    expect(result.trades[0]?.buyerPrice).toBeUndefined();
  });

  it('moves the price with k: k = 1 gives the bid, k = 0 the offer, odd sums round down', () => {
    expect(clearInterval(I, handCase, params({ kBps: 10000 })).clearingPrice).toBe(2200);
    expect(clearInterval(I, handCase, params({ kBps: 0 })).clearingPrice).toBe(2000);
    // 0.3333 · 2200 + 0.6667 · 2000 = 2066.66 → 2066
    expect(clearInterval(I, handCase, params({ kBps: 3333 })).clearingPrice).toBe(2066);
    const odd = [bid(100, 2001, { orderId: 'b' }), offer(100, 2000, { orderId: 's' })];
    expect(clearInterval(I, odd, params()).clearingPrice).toBe(2000);
  });

  it('trades nothing when the best bid is below the best offer', () => {
    const result = clearInterval(I, [bid(500, 1500, { orderId: 'b' }), offer(500, 1600, { orderId: 's' })], params());
    expect(result.trades).toEqual([]);
    expect(result.clearingPrice).toBeNull();
    expect(result.tradedWh).toBe(0);
    expect(result.matchedWh).toEqual({ b: 0, s: 0 });
  });

  it('rations the marginal volume by price, then time priority, then order ID', () => {
    const orders = [
      offer(250, 1200, { orderId: 'S', priority: 'p0' }),
      bid(100, 2000, { orderId: 'late', priority: 'p2' }),
      bid(100, 2000, { orderId: 'early', priority: 'p1' }),
      bid(100, 2000, { orderId: 'tie-b', priority: 'p3' }),
      bid(100, 2000, { orderId: 'tie-a', priority: 'p3' }),
      bid(100, 2500, { orderId: 'best', priority: 'p9' }),
    ];
    const result = clearInterval(I, orders, params());
    expect(result.matchedWh).toEqual({ S: 250, best: 100, early: 100, late: 50, 'tie-a': 0, 'tie-b': 0 });
    expect(result.clearingPrice).toBe(1600);
    const withoutLate = clearInterval(I, orders.filter((o) => o.orderId !== 'late' && o.orderId !== 'early'), params());
    expect(withoutLate.matchedWh).toMatchObject({ 'tie-a': 100, 'tie-b': 50 });
  });

  it('leaves out orders priced outside the tariffs', () => {
    const result = clearInterval(I, [bid(100, 3500, { orderId: 'rich' }), offer(100, 900, { orderId: 'cheap' }), offer(100, 1000, { orderId: 'ok' })], params());
    expect(result.ignoredOrderIds).toEqual(['cheap', 'rich']);
    expect(result.trades).toEqual([]);
    expect(result.buyWh).toBe(0);
    expect(result.sellWh).toBe(100);
  });
});

describe('pay-as-bid', () => {
  it('prices every pair at its bid', () => {
    const orders = [bid(400, 2800, { orderId: 'B1' }), bid(500, 2200, { orderId: 'B2' }), offer(600, 1000, { orderId: 'S1' }), offer(400, 2000, { orderId: 'S2' })];
    const result = clearInterval(I, orders, params({ mechanism: 'pay-as-bid' }));
    expect(tradeSummary(result.trades)).toEqual([
      ['B1', 'S1', 400, 2800],
      ['B2', 'S1', 200, 2200],
      ['B2', 'S2', 300, 2200],
    ]);
    // (400·2800 + 500·2200) / 900 = 2466.67 → 2466
    expect(result.clearingPrice).toBe(2466);
    expect(result.stages.every((s) => s.price === null)).toBe(true);
  });
});

describe('sdr', () => {
  it('prices by the supply–demand ratio when supply is short (SDR = 1/2)', () => {
    // r = 3000, f = 1000, S/D = 500/1000: sell = 3000·1000 / (2000·0.5 + 1000) = 1500;
    // buy = 1500·0.5 + 3000·0.5 = 2250.
    const orders = [bid(600, 3000, { orderId: 'B1' }), bid(400, 1000, { orderId: 'B2' }), offer(500, 2900, { orderId: 'S1' })];
    const result = clearInterval(I, orders, params({ mechanism: 'sdr' }));
    expect(result.clearingPrice).toBe(1500);
    // 500 Wh split 600:400 → 300 and 200, whatever the limit prices say.
    expect(result.matchedWh).toEqual({ B1: 300, B2: 200, S1: 500 });
    expect(result.trades.every((t) => t.price === 1500 && t.buyerPrice === 2250)).toBe(true);
  });

  it('rounds both prices down in exact rational arithmetic (SDR = 1/3)', () => {
    // sell = 3000·1000·3 / (2000·1 + 1000·3) = 1800; buy = 1800/3 + 3000·2/3 = 2600.
    const result = clearInterval(I, [bid(300, 2000, { orderId: 'b' }), offer(100, 2000, { orderId: 's' })], params({ mechanism: 'sdr' }));
    expect(result.trades[0]).toMatchObject({ price: 1800, buyerPrice: 2600, energyWh: 100 });
    // S/D = 1/7: sell = 3000·1000·7/(2000 + 7000) = 2333.33 → 2333; buy = (3e6·7 + 3000·6·9000)/(7·9000) = 2904.76 → 2904.
    const r2 = clearInterval(I, [bid(700, 2000, { orderId: 'b' }), offer(100, 2000, { orderId: 's' })], params({ mechanism: 'sdr' }));
    expect(r2.trades[0]).toMatchObject({ price: 2333, buyerPrice: 2904 });
  });

  it('pays the feed-in tariff on both sides when supply exceeds demand, rationing sellers proportionally', () => {
    const orders = [bid(100, 2000, { orderId: 'B' }), offer(200, 2000, { orderId: 'S1' }), offer(100, 2000, { orderId: 'S2' })];
    const result = clearInterval(I, orders, params({ mechanism: 'sdr' }));
    // 100 Wh over 200:100 → 66.67 and 33.33 → floors 66 + 33, the leftover Wh to the larger remainder (S1).
    expect(result.matchedWh).toEqual({ B: 100, S1: 67, S2: 33 });
    expect(result.trades.every((t) => t.price === 1000 && t.buyerPrice === 1000)).toBe(true);
  });
});

describe('zones', () => {
  it('matches inside a zone before crossing, and charges the cross-zone fee on what crosses', () => {
    const orders = [
      bid(300, 2500, { orderId: 'bA', zone: 'A' }),
      offer(100, 1200, { orderId: 'sA', zone: 'A' }),
      offer(500, 1100, { orderId: 'sB', zone: 'B' }),
    ];
    const result = clearInterval(I, orders, params({ zones: [{ zone: 'B', transferLimitWh: 1000 }] }));
    expect(tradeSummary(result.trades)).toEqual([
      ['bA', 'sA', 100, 1850], // local stage in A: (2500 + 1200) / 2
      ['bA', 'sB', 200, 1800], // cross-zone stage: (2500 + 1100) / 2
    ]);
    expect(result.trades.map((t) => [t.gridFeePerKwh, t.zoneFrom, t.zoneTo])).toEqual([
      [50, 'A', 'A'],
      [150, 'B', 'A'],
    ]);
    expect(result.zoneExportsWh).toEqual({ A: 0, B: 200 });
    expect(result.stages).toEqual([
      { stage: 'local', zone: 'A', price: 1850, tradedWh: 100 },
      { stage: 'local', zone: 'B', price: null, tradedWh: 0 },
      { stage: 'cross-zone', price: 1800, tradedWh: 200 },
    ]);
    // Volume-weighted: (100·1850 + 200·1800) / 300 = 1816.67 → 1816
    expect(result.clearingPrice).toBe(1816);
  });

  it('never exports more than the transfer limit, and nothing from zones without one', () => {
    const orders = [
      bid(1000, 2500, { orderId: 'bA', zone: 'A' }),
      offer(500, 1100, { orderId: 'sB', zone: 'B' }),
      offer(500, 1200, { orderId: 'sC', zone: 'C' }),
      offer(500, 1300, { orderId: 'sD', zone: 'D' }),
    ];
    const result = clearInterval(I, orders, params({ zones: [{ zone: 'B', transferLimitWh: 150 }, { zone: 'D', transferLimitWh: 400 }] }));
    expect(result.matchedWh).toEqual({ bA: 550, sB: 150, sC: 0, sD: 400 });
    expect(result.zoneExportsWh).toEqual({ A: 0, B: 150, C: 0, D: 400 });
    // K = (bA @2500, sD @1300) → 1900 for the whole cross-zone stage
    expect(result.trades.map((t) => t.price)).toEqual([1900, 1900]);
  });

  it('caps cross-zone exports under sdr and splits them over selling zones proportionally', () => {
    const orders = [
      bid(1000, 2000, { orderId: 'bA', zone: 'A' }),
      offer(400, 2000, { orderId: 'sB', zone: 'B' }),
      offer(400, 2000, { orderId: 'sC', zone: 'C' }),
    ];
    const result = clearInterval(I, orders, params({ mechanism: 'sdr', zones: [{ zone: 'B', transferLimitWh: 100 }, { zone: 'C', transferLimitWh: 300 }] }));
    expect(result.matchedWh).toEqual({ bA: 400, sB: 100, sC: 300 });
    expect(result.zoneExportsWh).toEqual({ A: 0, B: 100, C: 300 });
    expect(result.trades.every((t) => t.gridFeePerKwh === 150)).toBe(true);
    // SDR uses all offered supply: 800/1000 → sell = 3e6 / (2000·0.8 + 1000) = 1153.8 → 1153
    expect(result.clearingPrice).toBe(1153);
  });
});

describe('input checks', () => {
  it('refuses duplicate order IDs, non-integer energy and bad params with INVALID_ARGUMENT', () => {
    const expectInvalid = (fn: () => unknown): void => {
      try {
        fn();
        throw new Error('expected a MarketError');
      } catch (e) {
        expect(e).toBeInstanceOf(MarketError);
        expect((e as MarketError).code).toBe('INVALID_ARGUMENT');
      }
    };
    expectInvalid(() => clearInterval(I, [bid(1, 2000, { orderId: 'x' }), offer(1, 2000, { orderId: 'x' })], params()));
    expectInvalid(() => clearInterval(I, [bid(1.5, 2000)], params()));
    expectInvalid(() => clearInterval(I, [bid(0, 2000)], params()));
    expectInvalid(() => clearInterval(I, [bid(10, 2000.5)], params()));
    expectInvalid(() => clearInterval(I, [], params({ kBps: 10001 })));
    expectInvalid(() => clearInterval(I, [], params({ feedInTariff: 4000 })));
    expectInvalid(() => clearInterval(I, [], params({ zones: [{ zone: 'A', transferLimitWh: -1 }] })));
  });
});
