import { FabricConnections } from '../src/fabric/connections';
import { Ledger } from '../src/fabric/ledger';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { expectStatus, newKey, onboard, operatorMarket, RETAILER, signedReading, UTILITY, type MeterKeys } from './helpers/world';

let gw: TestGateway;
let meterA: MeterKeys;
let meterB: MeterKeys;
let prices: { feedInTariff: number; retailTariff: number };
const I1 = '2030-03-01T10:00:00Z';

beforeAll(async () => {
  gw = await startTestGateway();
  prices = await operatorMarket(gw);
  meterA = await onboard(gw, { householdId: 'h-ada', zone: 'north', owner: 'ada', members: [{ userId: 'ada-kid' }], deposit: 5_000_000 });
  meterB = await onboard(gw, { householdId: 'h-ben', zone: 'north', owner: 'ben', deposit: 5_000_000 });
}, 120_000);
afterAll(async () => gw?.close());

const mid = () => Math.floor((prices.feedInTariff + prices.retailTariff) / 2);

describe('operations', () => {
  it('serves health, readiness, metrics and the OpenAPI document', async () => {
    expect((await gw.call(null, 'GET', '/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await gw.call(null, 'GET', '/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', utilityMspId: 'UtilityMSP' });
    const metrics = await gw.call(null, 'GET', '/metrics');
    expect(metrics.body).toContain('gridshare_http_request_duration_seconds');
    expect(metrics.body).toMatch(/gridshare_fabric_transactions_total\{kind="submit",transaction="households:OnboardHousehold",outcome="ok"\}/);
    const openapi = (await gw.call(null, 'GET', '/openapi.json')).json() as { paths: Record<string, unknown> };
    for (const p of ['/v1/orders', '/v1/households/{id}/members', '/v1/market/intervals/{interval}/settle', '/v1/events', '/v1/audit/conservation']) {
      expect(openapi.paths).toHaveProperty([p]);
    }
    expect((await gw.call(null, 'GET', '/docs/')).statusCode).toBe(200);
  });

  it('answers unknown routes and bad tokens in the error shape, with request IDs', async () => {
    const missing = await gw.call(null, 'GET', '/v1/nothing-here');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    const anonymous = await gw.call(null, 'GET', '/v1/market/config');
    expect(anonymous.json()).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    const forged = await gw.call(null, 'GET', '/v1/market/config', undefined, { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1dGlsaXR5LWFkbWluIn0.bad' });
    expect(forged.statusCode).toBe(401);
    expect(anonymous.headers['x-request-id']).toBeTruthy();
  });

  it('logs in seeded and onboarded users only', async () => {
    expect((await gw.call(null, 'POST', '/v1/dev/login', { user: 'ada' })).statusCode).toBe(200);
    expect((await gw.call(null, 'POST', '/v1/dev/login', { user: 'nobody' })).json()).toMatchObject({ statusCode: 404, code: 'USER_NOT_FOUND' });
  });
});

describe('households', () => {
  it('shows the household with private details to its members and retailer, not to the utility', async () => {
    const asOwner = await gw.call('ada', 'GET', '/v1/households/h-ada');
    await expectStatus(asOwner, 200);
    expect(asOwner.json()).toMatchObject({ householdId: 'h-ada', balance: 5_000_000, meters: ['m-h-ada'], privateDetails: { name: 'Resident of h-ada' } });
    expect((asOwner.json() as { members: Array<{ userId: string }> }).members.map((m) => m.userId).sort()).toEqual(['ada', 'ada-kid']);
    const asUtility = await gw.call(UTILITY, 'GET', '/v1/households/h-ada');
    await expectStatus(asUtility, 200);
    expect(asUtility.json()).not.toHaveProperty('privateDetails');
    expect((await gw.call('ben', 'GET', '/v1/households/h-ada')).statusCode).toBe(403);
    expect((await gw.call(RETAILER, 'GET', '/v1/households/h-none')).json()).toMatchObject({ statusCode: 404 });
  });

  it('refuses an owner who may not trade with a 400, enrolling and binding no one', async () => {
    const before = (await gw.call(RETAILER, 'GET', '/v1/households/h-ben')).json() as { members: unknown[] };
    const res = await gw.call(RETAILER, 'POST', '/v1/households/h-ben/members', { userId: 'ben-partner', role: 'owner', canTrade: false });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('owner always trades') });
    expect(await gw.app.gridshare.identities.get('ben-partner')).toBeUndefined();
    expect(((await gw.call(RETAILER, 'GET', '/v1/households/h-ben')).json() as { members: unknown[] }).members).toEqual(before.members);
  });

  it('refuses a duplicate household with HOUSEHOLD_EXISTS', async () => {
    const res = await gw.call(RETAILER, 'POST', '/v1/households', { householdId: 'h-ada', displayName: 'again', privateDetails: { name: 'n', address: 'a', email: 'e@x.org' } });
    expect(res.json()).toMatchObject({ statusCode: 409, code: 'HOUSEHOLD_EXISTS' });
  });

  it('records deposits and withdrawals once per Idempotency-Key', async () => {
    const key = newKey('dep');
    const first = await gw.call(RETAILER, 'POST', '/v1/households/h-ben/deposits', { amount: 1234 }, { 'idempotency-key': key });
    await expectStatus(first, 201);
    const again = await gw.call(RETAILER, 'POST', '/v1/households/h-ben/deposits', { amount: 1234 }, { 'idempotency-key': key });
    await expectStatus(again, 201);
    expect(again.json()).toEqual(first.json());
    const reused = await gw.call(RETAILER, 'POST', '/v1/households/h-ben/deposits', { amount: 999 }, { 'idempotency-key': key });
    expect(reused.json()).toMatchObject({ statusCode: 409, code: 'IDEMPOTENCY_KEY_REUSED' });
    const noKey = await gw.call(RETAILER, 'POST', '/v1/households/h-ben/deposits', { amount: 1 });
    expect(noKey.json()).toMatchObject({ statusCode: 400, code: 'IDEMPOTENCY_KEY_REQUIRED' });

    const wkey = newKey('wd');
    await expectStatus(await gw.call(RETAILER, 'POST', '/v1/households/h-ben/withdrawals', { amount: 234 }, { 'idempotency-key': wkey }), 201);
    await expectStatus(await gw.call(RETAILER, 'POST', '/v1/households/h-ben/withdrawals', { amount: 234 }, { 'idempotency-key': wkey }), 201);
    const tooMuch = await gw.call(RETAILER, 'POST', '/v1/households/h-ben/withdrawals', { amount: 900_000_000 }, { 'idempotency-key': newKey('wd') });
    expect(tooMuch.json()).toMatchObject({ statusCode: 422, code: 'INSUFFICIENT_FUNDS' });

    const household = (await gw.call('ben', 'GET', '/v1/households/h-ben')).json() as { balance: number };
    expect(household.balance).toBe(5_000_000 + 1234 - 234);
    const statement = (await gw.call('ben', 'GET', '/v1/households/h-ben/statement')).json() as { entries: Array<{ amount: number; balanceAfter: number }> };
    expect(statement.entries.map((e) => e.amount)).toEqual([5_000_000, 1234, -234]);
    expect(statement.entries.at(-1)?.balanceAfter).toBe(household.balance);
  });
});

describe('idempotency keys are per user', () => {
  it('refuses a key the same user already used for another household, and changes nothing there', async () => {
    const key = newKey('per-user');
    await expectStatus(await gw.call(RETAILER, 'POST', '/v1/households/h-ada/deposits', { amount: 77 }, { 'idempotency-key': key }), 201);
    const before = (await gw.call(RETAILER, 'GET', '/v1/households/h-ben/statement')).json() as { balance: number; entries: unknown[] };
    const reused = await gw.call(RETAILER, 'POST', '/v1/households/h-ben/deposits', { amount: 77 }, { 'idempotency-key': key });
    expect(reused.statusCode).toBe(409);
    // The chaincode's own words reach the client, without Fabric's `chaincode response 500,` prefix.
    expect(reused.json()).toEqual({ statusCode: 409, code: 'IDEMPOTENCY_KEY_REUSED', message: `idempotency key ${key} was used for another request` });
    const after = (await gw.call(RETAILER, 'GET', '/v1/households/h-ben/statement')).json() as { balance: number; entries: unknown[] };
    expect(after).toEqual(before);
  });

  it('gives two users who pick the same key two independent orders', async () => {
    const key = newKey('same-key');
    const I0 = '2030-03-01T09:00:00Z';
    const ada = await gw.call('ada', 'POST', '/v1/orders', { householdId: 'h-ada', side: 'sell', interval: I0, energyWh: 120, limitPrice: mid() }, { 'idempotency-key': key });
    const ben = await gw.call('ben', 'POST', '/v1/orders', { householdId: 'h-ben', side: 'buy', interval: I0, energyWh: 130, limitPrice: mid() }, { 'idempotency-key': key });
    await expectStatus(ada, 201);
    await expectStatus(ben, 201);
    const adaOrder = ada.json() as { orderId: string; householdId: string; energyWh: number };
    const benOrder = ben.json() as { orderId: string; householdId: string; energyWh: number };
    expect(adaOrder.orderId).not.toBe(benOrder.orderId);
    expect([adaOrder.householdId, adaOrder.energyWh, benOrder.householdId, benOrder.energyWh]).toEqual(['h-ada', 120, 'h-ben', 130]);
    for (const [user, order] of [['ada', adaOrder], ['ben', benOrder]] as const) {
      const listed = (await gw.call(user, 'GET', `/v1/orders?interval=${I0}`)).json() as { orders: Array<{ orderId: string }> };
      expect(listed.orders.map((o) => o.orderId)).toEqual([order.orderId]);
      await expectStatus(await gw.call(user, 'DELETE', `/v1/orders/${order.orderId}`), 200);
    }
  });

  it('passes a chaincode refusal through with its bare message', async () => {
    expect((await gw.call(RETAILER, 'GET', '/v1/households/h-none')).json()).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: 'household h-none does not exist' });
  });
});

describe('market and orders', () => {
  it('reads and updates the market configuration with k as a fraction', async () => {
    const config = (await gw.call('ada', 'GET', '/v1/market/config')).json() as Record<string, unknown>;
    expect(config).toMatchObject({ clock: 'operator', moneyScale: 10000, priceUnit: 'money-units/kWh' });
    expect(typeof config.k).toBe('number');
    const updated = await gw.call(UTILITY, 'PUT', '/v1/market/config', { k: 0.25 });
    await expectStatus(updated, 200);
    expect(updated.json()).toMatchObject({ k: 0.25 });
    await expectStatus(await gw.call(UTILITY, 'PUT', '/v1/market/config', { k: 0.5 }), 200);
    expect((await gw.call(UTILITY, 'PUT', '/v1/market/config', { k: 0.123456 })).statusCode).toBe(400);
    expect((await gw.call(UTILITY, 'PUT', '/v1/market/config', {})).statusCode).toBe(400);
  });

  it('refuses the read-only moneyScale and priceUnit with a 400 that says so, changing nothing', async () => {
    const before = (await gw.call(UTILITY, 'GET', '/v1/market/config')).json() as Record<string, unknown>;
    const scale = await gw.call(UTILITY, 'PUT', '/v1/market/config', { moneyScale: 100 });
    expect(scale.statusCode).toBe(400);
    expect(scale.json()).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/^moneyScale is fixed by the ledger \(read-only\)/) });
    const both = await gw.call(UTILITY, 'PUT', '/v1/market/config', { k: 0.75, priceUnit: 'cents/kWh', moneyScale: 100 });
    expect(both.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION_ERROR', message: expect.stringContaining('moneyScale and priceUnit are fixed') });
    expect((await gw.call(UTILITY, 'GET', '/v1/market/config')).json()).toEqual(before);

    // The OpenAPI document no longer offers them for PUT, and still reports them from GET.
    const openapi = (await gw.call(null, 'GET', '/openapi.json')).json() as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: object } }> }; responses: Record<string, { content: Record<string, { schema: { properties: object } }> }> }>>;
    };
    const put = openapi.paths['/v1/market/config']!.put!;
    expect(Object.keys(put.requestBody!.content['application/json']!.schema.properties)).not.toEqual(expect.arrayContaining(['moneyScale']));
    expect(Object.keys(put.requestBody!.content['application/json']!.schema.properties)).not.toEqual(expect.arrayContaining(['priceUnit']));
    expect(Object.keys(openapi.paths['/v1/market/config']!.get!.responses['200']!.content['application/json']!.schema.properties)).toEqual(
      expect.arrayContaining(['moneyScale', 'priceUnit']),
    );
  });

  it('gives an interval cleared without trades no price, rather than a price of 0', async () => {
    const quiet = '2030-03-01T11:00:00Z';
    const cleared = await gw.call(UTILITY, 'POST', `/v1/market/intervals/${quiet}/clear`);
    await expectStatus(cleared, 200);
    expect(cleared.json()).toMatchObject({ interval: quiet, status: 'CLEARED', trades: 0, tradedWh: 0, clearingPrice: null });
    const view = await gw.call('ada', 'GET', `/v1/market/intervals/${quiet}`);
    await expectStatus(view, 200);
    expect(view.json()).toMatchObject({ interval: quiet, status: 'CLEARED', tradedWh: 0 });
    expect(view.json()).not.toHaveProperty('clearingPrice');
    expect(view.body).not.toContain('"clearingPrice":0');
  });

  it('places one order per Idempotency-Key, lists, cancels and refuses reuse', async () => {
    const body = { householdId: 'h-ada', side: 'sell', interval: I1, energyWh: 500, limitPrice: mid() };
    const key = newKey('ord');
    const first = await gw.call('ada', 'POST', '/v1/orders', body, { 'idempotency-key': key });
    await expectStatus(first, 201);
    const order = first.json() as { orderId: string; status: string };
    expect(order.status).toBe('OPEN');
    const again = await gw.call('ada', 'POST', '/v1/orders', body, { 'idempotency-key': key });
    await expectStatus(again, 201);
    expect((again.json() as { orderId: string }).orderId).toBe(order.orderId);
    const reused = await gw.call('ada', 'POST', '/v1/orders', { ...body, energyWh: 501 }, { 'idempotency-key': key });
    expect(reused.json()).toMatchObject({ statusCode: 409, code: 'IDEMPOTENCY_KEY_REUSED' });

    const listed = (await gw.call('ada', 'GET', `/v1/orders?interval=${I1}`)).json() as { orders: Array<{ orderId: string }> };
    expect(listed.orders.filter((o) => o.orderId === order.orderId)).toHaveLength(1);
    expect(listed.orders).toHaveLength(1);

    const book = (await gw.call('ben', 'GET', `/v1/market/intervals/${I1}`)).json() as { status: string; sellWh: number; orderBook: { offers: unknown[] } };
    expect(book).toMatchObject({ status: 'OPEN', sellWh: 500 });
    expect(JSON.stringify(book)).not.toContain('h-ada');

    const cancelled = await gw.call('ada', 'DELETE', `/v1/orders/${order.orderId}`);
    await expectStatus(cancelled, 200);
    expect(cancelled.json()).toMatchObject({ status: 'CANCELLED' });
    expect((await gw.call('ben', 'DELETE', `/v1/orders/${order.orderId}`)).statusCode).toBe(403);
  });

  it('refuses orders outside the tariff bounds and from members who may not trade', async () => {
    const tooHigh = await gw.call('ada', 'POST', '/v1/orders', { householdId: 'h-ada', side: 'buy', interval: I1, energyWh: 100, limitPrice: prices.retailTariff + 1 }, { 'idempotency-key': newKey() });
    expect(tooHigh.json()).toMatchObject({ statusCode: 422, code: 'MARKET_RULE' });
    const kid = await gw.call('ada-kid', 'POST', '/v1/orders', { householdId: 'h-ada', side: 'buy', interval: I1, energyWh: 100, limitPrice: mid() }, { 'idempotency-key': newKey() });
    expect(kid.statusCode).toBe(403);
  });

  it('runs an interval through close, clear and settle, with readings, trades and certificates', async () => {
    const I2 = '2030-03-01T10:15:00Z';
    await expectStatus(await gw.call('ada', 'POST', '/v1/orders', { householdId: 'h-ada', side: 'sell', interval: I2, energyWh: 1000, limitPrice: mid() }, { 'idempotency-key': newKey() }), 201);
    await expectStatus(await gw.call('ben', 'POST', '/v1/orders', { householdId: 'h-ben', side: 'buy', interval: I2, energyWh: 800, limitPrice: prices.retailTariff }, { 'idempotency-key': newKey() }), 201);

    const closed = await gw.call(UTILITY, 'POST', `/v1/market/intervals/${I2}/close`);
    await expectStatus(closed, 200);
    expect(closed.json()).toMatchObject({ status: 'CLOSED' });
    const late = await gw.call('ben', 'POST', '/v1/orders', { householdId: 'h-ben', side: 'buy', interval: I2, energyWh: 100, limitPrice: mid() }, { 'idempotency-key': newKey() });
    expect(late.json()).toMatchObject({ statusCode: 409, code: 'INTERVAL_NOT_OPEN' });

    const cleared = await gw.call(UTILITY, 'POST', `/v1/market/intervals/${I2}/clear`);
    await expectStatus(cleared, 200);
    expect(cleared.json()).toMatchObject({ interval: I2, status: 'CLEARED', trades: 1, tradedWh: 800 });
    const price = (cleared.json() as { clearingPrice: number }).clearingPrice;
    expect(price).toBeGreaterThanOrEqual(prices.feedInTariff);
    expect((await gw.call('ben', 'GET', `/v1/market/intervals/${I2}`)).json()).toMatchObject({ status: 'CLEARED', clearingPrice: price });

    // Until settlement, what the trade will cost ben is committed: visible, and not available to withdraw.
    type Funds = { balance: number; committed: number; available: number };
    const funds = ({ balance, committed, available }: Funds) => ({ balance, committed, available });
    const owed = funds((await gw.call('ben', 'GET', '/v1/households/h-ben/statement')).json<Funds>());
    expect(owed.committed).toBeGreaterThan(0);
    expect(owed.available).toBe(owed.balance - owed.committed);
    expect(funds((await gw.call(RETAILER, 'GET', '/v1/households/h-ben')).json<Funds>())).toEqual(owed);
    const overdrawn = await gw.call(RETAILER, 'POST', '/v1/households/h-ben/withdrawals', { amount: owed.available + 1 }, { 'idempotency-key': newKey('wd') });
    expect(overdrawn.json()).toMatchObject({ statusCode: 422, code: 'INSUFFICIENT_FUNDS' });

    const trades = (await gw.call('ben', 'GET', `/v1/trades?interval=${I2}`)).json() as { trades: Array<{ energyWh: number; zoneFrom: string; zoneTo: string }> };
    expect(trades.trades).toEqual([expect.objectContaining({ energyWh: 800, zoneFrom: 'north', zoneTo: 'north' })]);

    const readings = [signedReading(meterA, I2, 0, 1000), signedReading(meterB, I2, 800, 0)];
    const bad = [{ ...signedReading(meterA, I2, 0, 1000), exportWh: 1001 }];
    const refused = await gw.call(UTILITY, 'POST', '/v1/meter-readings', { readings: bad });
    expect(refused.statusCode).toBe(400);
    expect((refused.json() as { message: string }).message).toContain('m-h-ada');
    await expectStatus(await gw.call(UTILITY, 'POST', '/v1/meter-readings', { readings }), 201);
    const mine = (await gw.call('ada', 'GET', `/v1/meters/m-h-ada/readings?from=${I2}&to=${I2}`)).json() as { readings: unknown[] };
    expect(mine.readings).toEqual([expect.objectContaining({ interval: I2, exportWh: 1000 })]);
    expect((await gw.call('ben', 'GET', '/v1/meters/m-h-ada/readings')).statusCode).toBe(403);

    const settled = await gw.call(UTILITY, 'POST', `/v1/market/intervals/${I2}/settle`);
    await expectStatus(settled, 200);
    expect(settled.json()).toMatchObject({ interval: I2, status: 'SETTLED' });
    expect((await gw.call(UTILITY, 'POST', `/v1/market/intervals/${I2}/settle`)).json()).toMatchObject({ statusCode: 409, code: 'ALREADY_SETTLED' });
    // Settlement charged exactly what was committed (ben imported what he bought) and released it.
    const settledStatement = (await gw.call('ben', 'GET', '/v1/households/h-ben/statement')).json<Funds & { entries: Array<{ interval?: string; amount: number }> }>();
    expect(settledStatement.entries.filter((e) => e.interval === I2).reduce((sum, e) => sum + e.amount, 0)).toBe(-owed.committed);
    expect(funds(settledStatement)).toEqual({ balance: owed.balance - owed.committed, committed: 0, available: owed.balance - owed.committed });

    const certificates = (await gw.call('ben', 'GET', '/v1/households/h-ben/certificates')).json() as { certificates: Array<{ certificateId: string; claimed: boolean }> };
    expect(certificates.certificates.length).toBeGreaterThan(0);
    const cert = certificates.certificates[0]!;
    expect(cert.claimed).toBe(false);
    await expectStatus(await gw.call('ben', 'POST', `/v1/certificates/${encodeURIComponent(cert.certificateId)}/claim`), 200);
    expect((await gw.call('ben', 'POST', `/v1/certificates/${encodeURIComponent(cert.certificateId)}/claim`)).json()).toMatchObject({ statusCode: 409, code: 'ALREADY_CLAIMED' });

    const audit = await gw.call(UTILITY, 'GET', `/v1/audit/conservation?from=${I2}&to=${I2}`);
    expect(audit.json()).toMatchObject({ ok: true, intervals: 1, energyImbalanceWh: 0, moneyImbalance: 0 });
  });
});

describe('conservation audit', () => {
  const DAY_START = '2030-03-01T00:00:00Z';
  const url = (from: string, to: string) => `/v1/audit/conservation?from=${from}&to=${to}`;

  it('audits at most 96 intervals per call and refuses larger or reversed ranges with a 400', async () => {
    // A whole day of 15-minute intervals is 96: accepted.
    await expectStatus(await gw.call(UTILITY, 'GET', url(DAY_START, '2030-03-01T23:45:00Z')), 200);
    const tooLong = await gw.call(UTILITY, 'GET', url(DAY_START, '2030-03-02T00:00:00Z'));
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toMatchObject({ code: 'AUDIT_RANGE_TOO_LARGE', message: expect.stringContaining('spans 97 intervals; audit at most 96 per call') });
    const reversed = await gw.call(UTILITY, 'GET', url('2030-03-02T00:00:00Z', DAY_START));
    expect(reversed.json()).toMatchObject({ statusCode: 400, code: 'INVALID_ARGUMENT' });
    const unbounded = await gw.call(UTILITY, 'GET', '/v1/audit/conservation');
    expect(unbounded.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION_ERROR' });
  });

  it('refuses impossible dates and misaligned intervals with 400 INVALID_ARGUMENT', async () => {
    const rolled = await gw.call(UTILITY, 'GET', url('2026-02-30T00:00:00Z', '2026-03-01T00:00:00Z'));
    expect(rolled.json()).toEqual({ statusCode: 400, code: 'INVALID_ARGUMENT', message: 'from 2026-02-30T00:00:00Z is not a real UTC time' });
    const misalignedFrom = await gw.call(UTILITY, 'GET', url('2026-11-21T14:07:00Z', '2026-11-21T15:00:00Z'));
    expect(misalignedFrom.json()).toEqual({ statusCode: 400, code: 'INVALID_ARGUMENT', message: 'from 2026-11-21T14:07:00Z is not the start of a 900-second interval' });
    const misalignedTo = await gw.call(UTILITY, 'GET', url('2026-11-21T14:00:00Z', '2026-11-21T14:00:30Z'));
    expect(misalignedTo.json()).toMatchObject({ statusCode: 400, code: 'INVALID_ARGUMENT', message: expect.stringContaining('to 2026-11-21T14:00:30Z is not the start') });
    const badHour = await gw.call(UTILITY, 'GET', url('2026-11-21T24:00:00Z', '2026-11-22T00:00:00Z'));
    expect(badHour.json()).toMatchObject({ statusCode: 400, code: 'INVALID_ARGUMENT' });
  });

  it('gives the audit its own deadline instead of the evaluate deadline', async () => {
    const { config, identities } = gw.app.gridshare;
    // An evaluate deadline nothing can meet: ordinary evaluates fail, one with its own deadline does not.
    const connections = new FabricConnections(config.network, identities, { ...config.deadlines, evaluateMs: 0 });
    try {
      const ledger = new Ledger(connections);
      const audit = () => ledger.evaluate(UTILITY, 'audit', 'Conservation', { args: [DAY_START, DAY_START] });
      await expect(audit()).rejects.toMatchObject({ statusCode: 503, code: 'LEDGER_UNAVAILABLE' });
      await expect(
        ledger.evaluate(UTILITY, 'audit', 'Conservation', { args: [DAY_START, DAY_START] }, { timeoutMs: 30_000 }),
      ).resolves.toMatchObject({ ok: true });
    } finally {
      await connections.close();
    }
    // The route evaluates the audit with GRIDSHARE_AUDIT_TIMEOUT_MS, whatever the evaluate deadline.
    const auditMs = config.deadlines.auditMs;
    expect(auditMs).toBe(60_000);
    config.deadlines.auditMs = 0;
    try {
      expect((await gw.call(UTILITY, 'GET', url(DAY_START, DAY_START))).json()).toMatchObject({ statusCode: 503, code: 'LEDGER_UNAVAILABLE' });
      await expectStatus(await gw.call(UTILITY, 'GET', '/v1/market/config'), 200);
    } finally {
      config.deadlines.auditMs = auditMs;
    }
    await expectStatus(await gw.call(UTILITY, 'GET', url(DAY_START, DAY_START)), 200);
  });
});
