import { startTestGateway, type TestGateway } from './helpers/gateway';
import { expectStatus, newKey, onboard, operatorMarket, RETAILER, signedReading, UTILITY, type MeterKeys } from './helpers/world';

/**
 * A neighbourhood's day on the operator clock: five households in two zones with a transfer
 * limit, every clearing mechanism, signed readings, settlement, certificates claimed once, and
 * the conservation audit holding at the end.
 */
let gw: TestGateway;
const meters = new Map<string, MeterKeys>();
const HOUSEHOLDS = [
  { householdId: 'h-north-sun', zone: 'north', owner: 'nora', seller: true },
  { householdId: 'h-north-flat', zone: 'north', owner: 'ned', seller: false },
  { householdId: 'h-north-barn', zone: 'north', owner: 'nia', seller: false, members: [{ userId: 'nia-son', canTrade: true }] },
  { householdId: 'h-south-sun', zone: 'south', owner: 'sol', seller: true },
  { householdId: 'h-south-mill', zone: 'south', owner: 'sid', seller: false },
];
const DAY = Array.from({ length: 6 }, (_, i) => new Date(Date.UTC(2034, 5, 21, 11, 0) + i * 900_000).toISOString().replace('.000Z', 'Z'));
const MECHANISMS = ['pay-as-clear', 'pay-as-bid', 'sdr'] as const;
let tariffs: { feedInTariff: number; retailTariff: number };

beforeAll(async () => {
  gw = await startTestGateway();
  tariffs = await operatorMarket(gw, { zones: [{ zone: 'north', transferLimitWh: 400 }, { zone: 'south', transferLimitWh: 300 }] });
  for (const h of HOUSEHOLDS) meters.set(h.householdId, await onboard(gw, { ...h, deposit: 50_000_000, exportCapacityW: 20_000 }));
}, 180_000);
afterAll(async () => gw?.close());

it('trades, settles and certifies a whole day, and the books balance', async () => {
  const { feedInTariff, retailTariff } = tariffs;
  const spread = retailTariff - feedInTariff;
  const balancesBefore = await balances();
  let tradedWh = 0;
  let crossZoneTrades = 0;

  for (const [i, interval] of DAY.entries()) {
    const mechanism = MECHANISMS[i % MECHANISMS.length]!;
    await expectStatus(await gw.call(UTILITY, 'PUT', '/v1/market/config', { mechanism }), 200);

    // Sellers offer near the floor, buyers bid near the ceiling; the north has more sun than the south needs.
    const orders = [
      { user: 'nora', householdId: 'h-north-sun', side: 'sell', energyWh: 1500 + 100 * i, limitPrice: feedInTariff + Math.floor(spread / 10) },
      { user: 'sol', householdId: 'h-south-sun', side: 'sell', energyWh: 300, limitPrice: feedInTariff + Math.floor(spread / 5) },
      { user: 'ned', householdId: 'h-north-flat', side: 'buy', energyWh: 600, limitPrice: retailTariff - Math.floor(spread / 10) },
      { user: i % 2 ? 'nia-son' : 'nia', householdId: 'h-north-barn', side: 'buy', energyWh: 400, limitPrice: retailTariff - Math.floor(spread / 4) },
      { user: 'sid', householdId: 'h-south-mill', side: 'buy', energyWh: 900, limitPrice: retailTariff },
    ];
    for (const { user, ...order } of orders) {
      await expectStatus(await gw.call(user, 'POST', '/v1/orders', { ...order, interval }, { 'idempotency-key': newKey('day') }), 201);
    }
    await expectStatus(await gw.call(UTILITY, 'POST', `/v1/market/intervals/${interval}/close`), 200);
    const cleared = await gw.call(UTILITY, 'POST', `/v1/market/intervals/${interval}/clear`);
    await expectStatus(cleared, 200);
    const result = cleared.json<{ status: string; trades: number; tradedWh: number; clearingPrice: number }>();
    expect(result.status).toBe('CLEARED');
    expect(result.trades).toBeGreaterThan(0);
    tradedWh += result.tradedWh;

    const trades = (await gw.call(UTILITY, 'GET', `/v1/trades?interval=${interval}`)).json<{ trades: Array<{ energyWh: number; price: number; zoneFrom: string; zoneTo: string }> }>().trades;
    expect(trades.reduce((s, t) => s + t.energyWh, 0)).toBe(result.tradedWh);
    const northToSouth = trades.filter((t) => t.zoneFrom === 'north' && t.zoneTo === 'south').reduce((s, t) => s + t.energyWh, 0);
    expect(northToSouth).toBeLessThanOrEqual(400);
    crossZoneTrades += trades.filter((t) => t.zoneFrom !== t.zoneTo).length;
    for (const t of trades) {
      expect(t.price).toBeGreaterThanOrEqual(feedInTariff);
      expect(t.price).toBeLessThanOrEqual(retailTariff);
    }

    // Meters report what really flowed: sellers a little short or long, buyers roughly as bought.
    const readings = [
      signedReading(meters.get('h-north-sun')!, interval, 0, 1400 + 100 * i),
      signedReading(meters.get('h-south-sun')!, interval, 0, 350),
      signedReading(meters.get('h-north-flat')!, interval, 650, 0),
      signedReading(meters.get('h-north-barn')!, interval, 300, 0),
      signedReading(meters.get('h-south-mill')!, interval, 1000, 0),
    ];
    await expectStatus(await gw.call(UTILITY, 'POST', '/v1/meter-readings', { readings }), 201);
    const settled = await gw.call(UTILITY, 'POST', `/v1/market/intervals/${interval}/settle`);
    await expectStatus(settled, 200);
    expect(settled.json()).toMatchObject({ interval, status: 'SETTLED' });
    expect((await gw.call('ned', 'GET', `/v1/market/intervals/${interval}`)).json()).toMatchObject({ status: 'SETTLED' });
  }
  expect(tradedWh).toBeGreaterThan(0);
  expect(crossZoneTrades).toBeGreaterThan(0);

  // Every buyer gets certificates and claims each once; nobody else can claim them.
  let claimed = 0;
  for (const h of HOUSEHOLDS.filter((x) => !x.seller)) {
    const { certificates } = (await gw.call(h.owner, 'GET', `/v1/households/${h.householdId}/certificates`)).json<{ certificates: Array<{ certificateId: string; claimed: boolean; energyWh: number }> }>();
    expect(certificates.length).toBeGreaterThan(0);
    for (const c of certificates) {
      expect(c.claimed).toBe(false);
      // Another household's owner is refused (the chaincode does not even admit the certificate exists).
      expect([403, 404]).toContain((await gw.call('nora', 'POST', `/v1/certificates/${encodeURIComponent(c.certificateId)}/claim`)).statusCode);
      await expectStatus(await gw.call(h.owner, 'POST', `/v1/certificates/${encodeURIComponent(c.certificateId)}/claim`), 200);
      expect((await gw.call(h.owner, 'POST', `/v1/certificates/${encodeURIComponent(c.certificateId)}/claim`)).json()).toMatchObject({ statusCode: 409, code: 'ALREADY_CLAIMED' });
      claimed++;
    }
  }
  expect(claimed).toBeGreaterThan(DAY.length);

  // Money moved: sellers earned, buyers paid, and every statement ends at the balance.
  const after = await balances();
  expect(after.get('h-north-sun')!).toBeGreaterThan(balancesBefore.get('h-north-sun')!);
  expect(after.get('h-south-mill')!).toBeLessThan(balancesBefore.get('h-south-mill')!);
  for (const h of HOUSEHOLDS) {
    const { entries } = (await gw.call(h.owner, 'GET', `/v1/households/${h.householdId}/statement`)).json<{ entries: Array<{ balanceAfter: number }> }>();
    expect(entries.at(-1)?.balanceAfter).toBe(after.get(h.householdId));
  }

  const audit = await gw.call(UTILITY, 'GET', `/v1/audit/conservation?from=${DAY[0]}&to=${DAY.at(-1)}`);
  await expectStatus(audit, 200);
  expect(audit.json()).toMatchObject({ ok: true, intervals: DAY.length, energyImbalanceWh: 0, moneyImbalance: 0, problems: [] });
  expect((await gw.call(RETAILER, 'GET', `/v1/audit/conservation?from=${DAY[0]}&to=${DAY.at(-1)}`)).json()).toMatchObject({ ok: true });
}, 180_000);

async function balances(): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  for (const h of HOUSEHOLDS) {
    result.set(h.householdId, (await gw.call(RETAILER, 'GET', `/v1/households/${h.householdId}`)).json<{ balance: number }>().balance);
  }
  return result;
}
