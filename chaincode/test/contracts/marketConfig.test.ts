/** Market configuration rules that other parts of the chaincode rely on. */
import { identities, ok, placeOrder, RETAILER, standardWorld, UTILITY } from '../support/world';
import { FakeLedger } from '../support/fakeLedger';

describe('grid fees: a cross-zone trade never pays less than a local one', () => {
  test.each([
    ['local fee raised above the cross-zone fee', { gridFeeLocal: 301 }, /gridFeeCrossZone 300 must be higher than gridFeeLocal 301/],
    ['cross-zone fee lowered below the local fee', { gridFeeCrossZone: 99 }, /gridFeeCrossZone 99 must be higher than gridFeeLocal 100/],
    ['both set, the wrong way round', { gridFeeLocal: 500, gridFeeCrossZone: 200 }, /gridFeeCrossZone 200 must be higher than gridFeeLocal 500/],
    ['equal fees: cross-zone must be higher', { gridFeeLocal: 300 }, /gridFeeCrossZone 300 must be higher than gridFeeLocal 300/],
  ])('UpdateMarketConfig refuses %s', async (_name, patch, message) => {
    const w = await standardWorld();
    const before = w.ledger.fingerprint();
    const result = await w.ledger.submit(w.ids.utility, 'market:UpdateMarketConfig', [JSON.stringify(patch)]);
    expect(result.message).toMatch(/^INVALID_ARGUMENT: /);
    expect(result.message).toMatch(message);
    expect(w.ledger.fingerprint()).toBe(before);
  });

  test('consortium:Init refuses a market whose cross-zone fee is below the local fee', async () => {
    const ids = await identities();
    const ledger = new FakeLedger();
    const init = (market: Record<string, unknown>) =>
      ledger.submit(ids.utility, 'consortium:Init', [JSON.stringify({ utilityMspId: UTILITY, retailerMspIds: [RETAILER], market })]);
    expect((await init({ gridFeeLocal: 50, gridFeeCrossZone: 10 })).message).toMatch(/^INVALID_ARGUMENT: gridFeeCrossZone 10 must be higher than gridFeeLocal 50/);
    expect(ledger.fingerprint()).toBe('');
    expect(ok(await init({ gridFeeLocal: 0, gridFeeCrossZone: 1 }))).toBeDefined();
  });

  test('a higher cross-zone fee is accepted, and the defaults satisfy the rule', async () => {
    const w = await standardWorld();
    expect(ok(await w.ledger.evaluate(w.ids.utility, 'market:GetMarketConfig'))).toMatchObject({ gridFeeLocal: 100, gridFeeCrossZone: 300 });
    expect(ok(await w.ledger.submit(w.ids.utility, 'market:UpdateMarketConfig', ['{"gridFeeLocal":299}']))).toMatchObject({ gridFeeLocal: 299, gridFeeCrossZone: 300 });
    expect(ok(await w.ledger.submit(w.ids.utility, 'market:UpdateMarketConfig', ['{"gridFeeLocal":600,"gridFeeCrossZone":700}']))).toMatchObject({
      gridFeeLocal: 600,
      gridFeeCrossZone: 700,
    });
  });
});

describe('the interval length', () => {
  test('may change before any order is placed', async () => {
    const w = await standardWorld();
    expect(ok(await w.ledger.submit(w.ids.utility, 'market:UpdateMarketConfig', [JSON.stringify({ intervalSeconds: 1800 })]))).toMatchObject({ intervalSeconds: 1800 });
  });

  test('cannot change once orders are named after it; the same value is still accepted', async () => {
    const w = await standardWorld();
    ok(await placeOrder(w, w.ids.owner, { idempotencyKey: 'b-1', householdId: 'h-1', side: 'buy', energyWh: 1000, limitPrice: 2000 }));
    const before = w.ledger.fingerprint();
    const refused = await w.ledger.submit(w.ids.utility, 'market:UpdateMarketConfig', [JSON.stringify({ intervalSeconds: 3600 })]);
    expect(refused.message).toMatch(/^MARKET_RULE: intervalSeconds cannot change from 900 once orders have been placed/);
    expect(w.ledger.fingerprint()).toBe(before);
    expect(ok(await w.ledger.submit(w.ids.utility, 'market:UpdateMarketConfig', [JSON.stringify({ intervalSeconds: 900, kBps: 4000 })]))).toMatchObject({ intervalSeconds: 900, kBps: 4000 });
  });
});
