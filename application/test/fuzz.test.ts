import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { onboard, operatorMarket, RETAILER, signedReading, UTILITY, type MeterKeys } from './helpers/world';

/**
 * Malformed bodies, parameters and headers, sent by callers who would be allowed the operation:
 * every one must be refused with a 4xx in the error shape, and the ledger must not change.
 */
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const INTERVAL = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$/;
const KEY = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;
const I = '2032-05-05T12:00:00Z';

let gw: TestGateway;
let meter: MeterKeys;
const OWNER = 'fay';

type Kind = 'id' | 'text' | 'email' | 'interval' | 'posint' | 'nonneg' | 'enum' | 'object' | 'array' | 'pem' | 'bool' | 'fraction';
interface Target {
  user: string;
  method: InjectOptions['method'];
  url: string;
  valid: () => Record<string, unknown>;
  fields: Record<string, Kind>;
  idempotent?: boolean;
}

const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }));
const printable = fc.string({ unit: fc.constantFrom(...' !#$%&()*+,/;<=>?[]^`{|}~aZ09.-_:@"\\\''.split('')), maxLength: 80 });

/** A value guaranteed to break the schema of a field of this kind. */
function invalid(kind: Kind): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'id':
      return fc.oneof(junk, fc.integer(), printable.filter((s) => !ID.test(s)), fc.constant('x'.repeat(65)));
    case 'text':
      return fc.oneof(junk, fc.integer(), fc.constant(''), fc.constant('y'.repeat(1000)));
    case 'email':
      return fc.oneof(junk, fc.constant(''), printable.filter((s) => !/^[^@\s]+@[^@\s]+$/.test(s) || s.length < 3));
    case 'interval':
      return fc.oneof(junk, fc.integer(), printable.filter((s) => !INTERVAL.test(s)), fc.constant('2030-01-01T00:00:00.000Z'), fc.constant('2030-01-01 00:00:00Z'));
    case 'posint':
      return fc.oneof(junk, fc.integer({ max: 0 }), fc.double({ noNaN: true }).filter((d) => !Number.isInteger(d)), fc.constant(2 ** 60), fc.integer().map(String));
    case 'nonneg':
      return fc.oneof(junk, fc.integer({ min: -1_000_000, max: -1 }), fc.constant(1.5), fc.constant(2 ** 60), fc.constant('7'));
    case 'enum':
      return fc.oneof(junk, fc.integer(), printable.filter((s) => !['buy', 'sell', 'owner', 'member', 'wall', 'operator', 'pay-as-clear', 'pay-as-bid', 'sdr'].includes(s)));
    case 'object':
      return fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.array(fc.integer()), fc.constant({}), fc.constant({ name: 'n' }));
    case 'array':
      return fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.constant({}), fc.constant([]), fc.array(junk, { minLength: 1, maxLength: 3 }));
    case 'pem':
      return fc.oneof(junk, fc.constant(''), fc.constant('-----BEGIN CERTIFICATE-----'), printable);
    case 'bool':
      return fc.oneof(fc.constant(null), fc.integer(), fc.constant('true'), fc.constant({}));
    case 'fraction':
      return fc.oneof(junk, fc.constant(-0.5), fc.constant(1.5), fc.constant('0.5'));
  }
}

const TARGETS: Target[] = [
  {
    user: RETAILER,
    method: 'POST',
    url: '/v1/households',
    valid: () => ({ householdId: 'h-fuzz', displayName: 'Fuzz', privateDetails: { name: 'n', address: 'a', email: 'e@x.org' } }),
    fields: { householdId: 'id', displayName: 'text', privateDetails: 'object' },
  },
  { user: RETAILER, method: 'POST', url: '/v1/households/h-fa/members', valid: () => ({ userId: 'fuzz-user', role: 'member' }), fields: { userId: 'id', role: 'enum' } },
  { user: RETAILER, method: 'POST', url: '/v1/households/h-fa/deposits', valid: () => ({ amount: 5 }), fields: { amount: 'posint' }, idempotent: true },
  { user: RETAILER, method: 'POST', url: '/v1/households/h-fa/withdrawals', valid: () => ({ amount: 5 }), fields: { amount: 'posint' }, idempotent: true },
  {
    user: UTILITY,
    method: 'POST',
    url: '/v1/meters',
    valid: () => ({ meterId: 'm-fuzz', householdId: 'h-fa', zone: 'north', exportCapacityW: 1, importCapacityW: 1, publicKeyPem: meter.publicKeyPem }),
    fields: { meterId: 'id', householdId: 'id', zone: 'id', exportCapacityW: 'nonneg', importCapacityW: 'nonneg', publicKeyPem: 'pem' },
  },
  { user: UTILITY, method: 'POST', url: '/v1/meter-readings', valid: () => ({ readings: [signedReading(meter, I, 1, 0)] }), fields: { readings: 'array' } },
  {
    user: UTILITY,
    method: 'PUT',
    url: '/v1/market/config',
    valid: () => ({ gridFeeLocal: 7, k: 0.5, clock: 'operator', mechanism: 'pay-as-bid' }),
    fields: { gridFeeLocal: 'nonneg', k: 'fraction', clock: 'enum', mechanism: 'enum' },
  },
  {
    user: OWNER,
    method: 'POST',
    url: '/v1/orders',
    valid: () => ({ householdId: 'h-fa', side: 'buy', interval: I, energyWh: 10, limitPrice: 1 }),
    fields: { householdId: 'id', side: 'enum', interval: 'interval', energyWh: 'posint', limitPrice: 'nonneg' },
    idempotent: true,
  },
];

/** One malformed body: a required field dropped, a field of the wrong shape, an unknown field, or not an object at all. */
const malformedBody = fc.integer({ min: 0, max: TARGETS.length - 1 }).chain((t) => {
  const target = TARGETS[t]!;
  const names = Object.keys(target.fields);
  const mutation = fc.oneof(
    fc.constantFrom(...names).map((name) => (body: Record<string, unknown>) => {
      delete body[name];
      // An update with nothing left in it is malformed too; a creation without the field is.
      return body;
    }),
    fc.constantFrom(...names).chain((name) => invalid(target.fields[name]!).map((value) => (body: Record<string, unknown>) => ({ ...body, [name]: value }))),
    fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !names.includes(k) && k !== '__proto__').map((k) => (body: Record<string, unknown>) => ({ ...body, [k]: 1 })),
  );
  const notAnObject = fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.array(fc.integer()));
  return fc.tuple(fc.constant(target), fc.oneof({ weight: 5, arbitrary: mutation.map((m) => m(target.valid())) }, { weight: 1, arbitrary: notAnObject }));
});

/** Deletion can leave a PUT body still meaningful; make sure every case is really malformed. */
const reallyMalformed = ([target, body]: [Target, unknown]) =>
  !(target.method === 'PUT' && body && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length > 0 &&
    Object.entries(body as Record<string, unknown>).every(([k, v]) => k in target.fields && JSON.stringify(v) === JSON.stringify(target.valid()[k])));

async function ledgerSnapshot() {
  await new Promise((r) => setTimeout(r, 500));
  const reads = await Promise.all([
    gw.call(RETAILER, 'GET', '/v1/households/h-fa'),
    gw.call(RETAILER, 'GET', '/v1/households/h-fa/statement'),
    gw.call(UTILITY, 'GET', '/v1/orders'),
    gw.call(UTILITY, 'GET', '/v1/market/config'),
    gw.call(UTILITY, 'GET', `/v1/meters/${meter.meterId}/readings`),
    gw.call(UTILITY, 'GET', '/v1/households/h-fuzz'),
    gw.call(UTILITY, 'GET', `/v1/market/intervals/${I}`),
  ]);
  return { events: gw.app.gridshare.hub.size, reads: reads.map((r) => `${r.statusCode} ${r.body}`) };
}

let sent = 0;
async function expectRefused(res: { statusCode: number; body: string }, context: unknown) {
  sent++;
  if (res.statusCode < 400 || res.statusCode >= 500) throw new Error(`not refused (${res.statusCode} ${res.body}) for ${JSON.stringify(context)}`);
  const body = JSON.parse(res.body) as { statusCode: number; code: string; message: string };
  expect(body.statusCode).toBe(res.statusCode);
  expect(body.code).toMatch(/^[A-Z_]+$/);
  expect(typeof body.message).toBe('string');
}

beforeAll(async () => {
  gw = await startTestGateway();
  await operatorMarket(gw);
  meter = await onboard(gw, { householdId: 'h-fa', zone: 'north', owner: OWNER, deposit: 100_000 });
}, 120_000);
afterAll(async () => gw?.close());

describe('malformed input', () => {
  let before: Awaited<ReturnType<typeof ledgerSnapshot>>;
  beforeAll(async () => {
    before = await ledgerSnapshot();
  });

  it('refuses malformed bodies', async () => {
    await fc.assert(
      fc.asyncProperty(malformedBody.filter(reallyMalformed), async ([target, body]) => {
        const res = await gw.call(target.user, target.method, target.url, body, target.idempotent ? { 'idempotency-key': `fz-${sent}` } : {});
        await expectRefused(res, { url: target.url, body });
      }),
      { numRuns: 600 },
    );
  }, 120_000);

  it('refuses malformed Idempotency-Key, content types and JSON', async () => {
    const key = fc.oneof(printable.filter((s) => s.length > 0 && !KEY.test(s) && s.trim() === s), fc.constant('k'.repeat(65)));
    await fc.assert(
      fc.asyncProperty(key, fc.constantFrom(...TARGETS.filter((t) => t.idempotent)), async (k, target) => {
        await expectRefused(await gw.call(target.user, target.method, target.url, target.valid(), { 'idempotency-key': k }), { k });
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }).filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }), fc.constantFrom(...TARGETS), async (text, target) => {
        const res = await gw.app.inject({
          method: target.method,
          url: target.url,
          headers: { authorization: `Bearer ${await gw.token(target.user)}`, 'content-type': 'application/json', 'idempotency-key': `fz-${sent}` },
          payload: text,
        });
        await expectRefused(res, { text });
      }),
      { numRuns: 100 },
    );
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await gw.app.inject({ method: 'POST', url: '/v1/orders', headers: { authorization: `Bearer ${await gw.token(OWNER)}`, 'content-type': contentType, 'idempotency-key': 'ct' }, payload: 'householdId=h-fa' });
      await expectRefused(res, { contentType });
    }
  }, 120_000);

  it('refuses malformed path and query parameters', async () => {
    const badInterval = printable.filter((s) => s.length > 0 && !INTERVAL.test(s)).map(encodeURIComponent);
    await fc.assert(
      fc.asyncProperty(badInterval, fc.constantFrom('close', 'clear', 'settle', ''), async (interval, step) => {
        const url = `/v1/market/intervals/${interval}${step ? `/${step}` : ''}`;
        await expectRefused(await gw.call(UTILITY, step ? 'POST' : 'GET', url), { url });
      }),
      { numRuns: 150 },
    );
    const badQuery = fc.oneof(
      badInterval.map((v) => `interval=${v}`),
      printable.filter((s) => s.length > 0 && !ID.test(s)).map((v) => `householdId=${encodeURIComponent(v)}`),
      fc.constantFrom('limit=5', 'from=yesterday', 'interval=2030-01-01T00:00:00Z&extra=1'),
    );
    await fc.assert(
      fc.asyncProperty(badQuery, fc.constantFrom('/v1/orders', '/v1/trades', '/v1/audit/conservation', `/v1/meters/${'m-h-fa'}/readings`), async (query, path) => {
        await expectRefused(await gw.call(UTILITY, 'GET', `${path}?${query}`), { path, query });
      }),
      { numRuns: 100 },
    );
    const badId = printable.filter((s) => s.length > 0 && !ID.test(s) && !/^[./]+$/.test(s)).map(encodeURIComponent);
    await fc.assert(
      fc.asyncProperty(badId, async (id) => {
        await expectRefused(await gw.call(RETAILER, 'POST', `/v1/households/${id}/deposits`, { amount: 1 }, { 'idempotency-key': `fz-${sent}` }), { id });
        await expectRefused(await gw.call(OWNER, 'DELETE', `/v1/orders/${id}`), { id });
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('refuses malformed and forged credentials', async () => {
    const authorization = fc.oneof(
      printable.map((s) => `Bearer ${s}`),
      fc.base64String({ minLength: 10, maxLength: 60 }).map((s) => `Bearer ${s}.${s}.${s}`),
      printable.filter((s) => s.trim() === s && s.length > 0),
    );
    await fc.assert(
      fc.asyncProperty(authorization, fc.constantFrom(...TARGETS), async (auth, target) => {
        const res = await gw.app.inject({ method: target.method, url: target.url, headers: { authorization: auth, 'idempotency-key': 'x' }, payload: target.valid() });
        expect(res.statusCode).toBe(401);
        await expectRefused(res, { auth });
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it('sent at least 1,000 malformed requests and changed nothing on the ledger', async () => {
    expect(sent).toBeGreaterThanOrEqual(1000);
    expect(await ledgerSnapshot()).toEqual(before);
  });
});
