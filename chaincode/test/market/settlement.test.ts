import { MarketError, settleInterval, type SettlementInput, type Trade } from '../../src/market';
import { params } from './fixtures';

const I = '2026-11-21T10:15:00Z';

function trade(seq: number, buyer: string, seller: string, energyWh: number, price: number, extra: Partial<Trade> = {}): Trade {
  return {
    tradeId: `${I}#${String(seq).padStart(6, '0')}`,
    interval: I,
    buyOrderId: `o-${buyer}-${seq}`,
    sellOrderId: `o-${seller}-${seq}`,
    buyerHouseholdId: buyer,
    sellerHouseholdId: seller,
    sellerMeterId: `m-${seller}`,
    energyWh,
    price,
    gridFeePerKwh: 50,
    zoneFrom: 'A',
    zoneTo: 'A',
    ...extra,
  };
}

const retailerAccountOf = { B: 'retailer:R1', B2: 'retailer:R1', S: 'retailer:R1', S2: 'retailer:R2', X: 'retailer:R1' };

const handCase: SettlementInput = {
  interval: I,
  trades: [
    trade(1, 'B', 'S', 400, 2100),
    trade(2, 'B2', 'S', 200, 2100),
    trade(3, 'B', 'S2', 150, 2000, { gridFeePerKwh: 150, zoneFrom: 'B', zoneTo: 'A' }),
  ],
  meters: [
    { meterId: 'm-S', householdId: 'S', zone: 'A' },
    { meterId: 'm-S2', householdId: 'S2', zone: 'B' },
    { meterId: 'm-B', householdId: 'B', zone: 'A' },
    { meterId: 'm-B2', householdId: 'B2', zone: 'A' },
    { meterId: 'm-X', householdId: 'X', zone: 'A' },
  ],
  readings: {
    'm-S': { importWh: 0, exportWh: 500 },
    'm-S2': { importWh: 0, exportWh: 150 },
    'm-B': { importWh: 500, exportWh: 0 },
    'm-X': { importWh: 30, exportWh: 250 },
  },
  params: params(),
  retailerAccountOf,
};

describe('settleInterval', () => {
  const result = settleInterval(handCase);

  it('pays trades and grid fees, then imbalances at retail and feed-in', () => {
    expect(result.transfers.map((t) => [t.kind, t.from, t.to, t.amount])).toEqual([
      ['trade', 'household:B', 'household:S', 840], // 400 Wh × 2100 / 1000
      ['grid-fee', 'household:B', 'utility', 20],
      ['trade', 'household:B2', 'household:S', 420],
      ['grid-fee', 'household:B2', 'utility', 10],
      ['trade', 'household:B', 'household:S2', 300],
      ['grid-fee', 'household:B', 'utility', 22], // 150 × 150 / 1000 = 22.5, floored
      ['unused-import', 'retailer:R1', 'household:B', 50], // bought 550, imported 500: 50 Wh at 1000
      ['unused-import', 'retailer:R1', 'household:B2', 200], // missing reading: imported 0 of 200
      ['shortfall', 'household:S', 'retailer:R1', 300], // sold 600, exported 500: 100 Wh at 3000
      ['grid-export', 'retailer:R1', 'household:X', 250], // no trades: export at feed-in
      ['grid-import', 'household:X', 'retailer:R1', 90], // and import at retail
    ]);
    expect(result.transfers[0]).toMatchObject({ householdId: 'B', tradeId: `${I}#000001` });
    expect(result.transfers[8]).toMatchObject({ householdId: 'S' });
    expect(result.transfers[8]?.tradeId).toBeUndefined();
  });

  it('nets every account to a total of exactly zero', () => {
    expect(result.netByAccount).toEqual({
      'household:B': -1132,
      'household:B2': -230,
      'household:S': 960,
      'household:S2': 300,
      'household:X': 160,
      'retailer:R1': -110,
      utility: 52,
    });
    expect(Object.values(result.netByAccount).reduce((a, b) => a + b, 0)).toBe(0);
    expect(result.moneyMoved).toBe(2502);
  });

  it('flags missing readings', () => {
    expect(result.missingReadings).toEqual(['m-B2']);
  });

  it('certifies only Wh the seller exported and the buyer imported, in trade order', () => {
    expect(result.certificates).toEqual([
      // S exported 500: 400 to trade 1, 100 left for trade 2; B imported 500: 400 to trade 1.
      { certificateId: `${I}#000001`, tradeId: `${I}#000001`, interval: I, buyerHouseholdId: 'B', sellerMeterId: 'm-S', zone: 'A', energyWh: 400 },
      // trade 2: B2 imported nothing (missing reading) → no certificate.
      // trade 3: S2 exported 150, B has 100 Wh of import left.
      { certificateId: `${I}#000003`, tradeId: `${I}#000003`, interval: I, buyerHouseholdId: 'B', sellerMeterId: 'm-S2', zone: 'B', energyWh: 100 },
    ]);
  });

  it('sells a seller excess at feed-in and charges a buyer excess at retail', () => {
    const r = settleInterval({
      ...handCase,
      trades: [trade(1, 'B', 'S', 100, 2000)],
      readings: { 'm-S': { importWh: 0, exportWh: 130 }, 'm-B': { importWh: 111, exportWh: 0 } },
      meters: handCase.meters.slice(0, 1).concat(handCase.meters.slice(2, 3)),
    });
    expect(r.transfers.filter((t) => t.kind !== 'trade' && t.kind !== 'grid-fee').map((t) => [t.kind, t.amount])).toEqual([
      ['excess-import', 33], // 11 Wh × 3000 / 1000
      ['excess-export', 30], // 30 Wh × 1000 / 1000
    ]);
    expect(r.missingReadings).toEqual([]);
  });

  it('sends the sdr spread between buy and sell price to the utility', () => {
    const r = settleInterval({
      ...handCase,
      params: params({ mechanism: 'sdr' }),
      trades: [trade(1, 'B', 'S', 100, 1800, { buyerPrice: 2600 })],
      readings: { 'm-S': { importWh: 0, exportWh: 100 }, 'm-B': { importWh: 100, exportWh: 0 } },
      meters: handCase.meters.slice(0, 1).concat(handCase.meters.slice(2, 3)),
    });
    expect(r.transfers.map((t) => [t.kind, t.from, t.to, t.amount])).toEqual([
      ['trade', 'household:B', 'household:S', 180],
      ['market-spread', 'household:B', 'utility', 80],
      ['grid-fee', 'household:B', 'utility', 5],
    ]);
  });

  it('settles a household that buys and sells on both gross positions', () => {
    const r = settleInterval({
      ...handCase,
      trades: [trade(1, 'B', 'S', 100, 2000), trade(2, 'S', 'S2', 40, 2000)],
      readings: { 'm-S': { importWh: 40, exportWh: 100 }, 'm-B': { importWh: 100, exportWh: 0 }, 'm-S2': { importWh: 0, exportWh: 40 } },
      meters: handCase.meters.slice(0, 3),
    });
    expect(r.transfers.filter((t) => t.householdId === 'S').map((t) => t.kind)).toEqual(['trade', 'grid-fee']);
    expect(r.certificates.map((c) => [c.buyerHouseholdId, c.energyWh])).toEqual([
      ['B', 100],
      ['S', 40],
    ]);
  });

  it('settles households without trades on metered energy alone, to the unit', () => {
    // An interval where nothing traded: every household listed is an order holder without a trade.
    const r = settleInterval({
      ...handCase,
      trades: [],
      meters: [
        { meterId: 'm-B', householdId: 'B', zone: 'A' },
        { meterId: 'm-S', householdId: 'S', zone: 'A' },
        { meterId: 'm-S2', householdId: 'S2', zone: 'B' },
        { meterId: 'm-X', householdId: 'X', zone: 'A' },
      ],
      readings: { 'm-B': { importWh: 333, exportWh: 0 }, 'm-S': { importWh: 0, exportWh: 777 }, 'm-X': { importWh: 0, exportWh: 0 } },
    });
    expect(r.transfers.map((t) => [t.kind, t.from, t.to, t.amount, t.householdId])).toEqual([
      ['grid-import', 'household:B', 'retailer:R1', 999, 'B'], // 333 Wh × 3000 / 1000
      ['grid-export', 'retailer:R1', 'household:S', 777, 'S'], // 777 Wh × 1000 / 1000
    ]);
    // S2's missing reading is zero import and zero export: flagged, nothing owed. X read zero: nothing owed.
    expect(r.missingReadings).toEqual(['m-S2']);
    expect(r.netByAccount).toEqual({ 'household:B': -999, 'household:S': 777, 'retailer:R1': 222 });
    expect(Object.values(r.netByAccount).reduce((a, b) => a + b, 0)).toBe(0);
    expect(r.moneyMoved).toBe(1776);
    expect(r.certificates).toEqual([]);
  });

  it('refuses readings that are not non-negative integers and households without a retailer', () => {
    expect(() => settleInterval({ ...handCase, readings: { ...handCase.readings, 'm-S': { importWh: -1, exportWh: 0 } } })).toThrow(MarketError);
    expect(() => settleInterval({ ...handCase, readings: { ...handCase.readings, 'm-S': { importWh: 0.5, exportWh: 0 } } })).toThrow(/INVALID_ARGUMENT/);
    expect(() => settleInterval({ ...handCase, retailerAccountOf: {} })).toThrow(/no retailer account/);
    expect(() => settleInterval({ ...handCase, trades: [trade(1, 'B', 'S', 1, 1, { interval: 'other' })] })).toThrow(/INVALID_ARGUMENT/);
  });
});
