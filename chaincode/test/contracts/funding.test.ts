import { maxCostOf } from '../../src/contracts/funding';
import type { MarketParams } from '../../src/market';

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
