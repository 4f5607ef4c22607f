import type { InjectOptions } from 'fastify';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { AUDITOR, expectStatus, meterKeys, newKey, onboard, operatorMarket, RETAILER, signedReading, UTILITY, type MeterKeys } from './helpers/world';

/**
 * Every role against every operation. "allowed" cases must succeed (or reach the business layer,
 * e.g. 404 for a certificate that does not exist); every other case must be refused with 401
 * (no token) or 403, as PRODUCT.md's table of who may do what says.
 */
type Role = 'anonymous' | 'utility' | 'retailer' | 'auditor' | 'owner' | 'member' | 'trader' | 'neighbour';
const USERS: Record<Role, string | null> = {
  anonymous: null,
  utility: UTILITY,
  retailer: RETAILER,
  // Enrolled at bootstrap because the test network has an auditor org (AuditorMSP).
  auditor: AUDITOR,
  owner: 'amy',
  member: 'amy-kid',
  trader: 'amy-partner',
  neighbour: 'nat',
};
const ROLES = Object.keys(USERS) as Role[];
const HOUSEHOLD_READERS: Role[] = ['owner', 'member', 'trader', 'retailer', 'utility'];
const ALL_SIGNED_IN: Role[] = ['utility', 'retailer', 'auditor', 'owner', 'member', 'trader', 'neighbour'];

interface Operation {
  name: string;
  allowed: Role[];
  /** Status expected for an allowed caller (default: any 2xx). */
  allowedStatus?: number;
  /** Roles this table checks (default: all). */
  only?: Role[];
  request: (n: number, allowed: boolean) => { method: InjectOptions['method']; url: string; body?: unknown; headers?: Record<string, string> };
}

let gw: TestGateway;
let meter: MeterKeys;
let price: number;
let gridFeeLocal: number;
const ordersToCancel: string[] = [];
let settleable: string;
let counter = 0;
const interval = (n: number) => new Date(Date.UTC(2031, 0, 1) + n * 900_000).toISOString().replace('.000Z', 'Z');

const OPERATIONS: Operation[] = [
  { name: 'onboard a household', allowed: ['retailer'], request: (n) => ({ method: 'POST', url: '/v1/households', body: { householdId: `h-auth-${n}`, displayName: 'x', privateDetails: { name: 'n', address: 'a', email: 'e@x.org' } } }) },
  { name: 'add a member', allowed: ['retailer'], request: (n) => ({ method: 'POST', url: '/v1/households/h-amy/members', body: { userId: `amy-guest-${n}`, role: 'member' } }) },
  // The auditor reads the public record only (no private details: see the test below the matrix).
  { name: 'read a household', allowed: [...HOUSEHOLD_READERS, 'auditor'], request: () => ({ method: 'GET', url: '/v1/households/h-amy' }) },
  { name: 'read a statement', allowed: HOUSEHOLD_READERS, request: () => ({ method: 'GET', url: '/v1/households/h-amy/statement' }) },
  { name: 'record a deposit', allowed: ['retailer'], request: () => ({ method: 'POST', url: '/v1/households/h-amy/deposits', body: { amount: 10 }, headers: { 'idempotency-key': newKey() } }) },
  { name: 'record a withdrawal', allowed: ['retailer'], request: () => ({ method: 'POST', url: '/v1/households/h-amy/withdrawals', body: { amount: 1 }, headers: { 'idempotency-key': newKey() } }) },
  { name: 'register a meter', allowed: ['utility'], request: (n) => ({ method: 'POST', url: '/v1/meters', body: { meterId: `m-auth-${n}`, householdId: 'h-amy', zone: 'north', exportCapacityW: 1000, importCapacityW: 1000, publicKeyPem: meterKeys('x').publicKeyPem } }) },
  { name: 'submit meter readings', allowed: ['utility'], request: (n) => ({ method: 'POST', url: '/v1/meter-readings', body: { readings: [signedReading(meter, interval(500 + n), 10, 0)] } }) },
  { name: 'read meter readings', allowed: HOUSEHOLD_READERS, request: () => ({ method: 'GET', url: '/v1/meters/m-h-amy/readings' }) },
  { name: 'read the market config', allowed: ALL_SIGNED_IN, request: () => ({ method: 'GET', url: '/v1/market/config' }) },
  { name: 'change the market config', allowed: ['utility'], request: () => ({ method: 'PUT', url: '/v1/market/config', body: { gridFeeLocal } }) },
  { name: 'place an order', allowed: ['owner', 'trader'], request: () => ({ method: 'POST', url: '/v1/orders', body: { householdId: 'h-amy', side: 'buy', interval: interval(1), energyWh: 10, limitPrice: price }, headers: { 'idempotency-key': newKey() } }) },
  { name: "place an order for h-nat (the neighbour's own)", allowed: ['neighbour'], request: () => ({ method: 'POST', url: '/v1/orders', body: { householdId: 'h-nat', side: 'buy', interval: interval(1), energyWh: 10, limitPrice: price }, headers: { 'idempotency-key': newKey() } }) },
  {
    name: "cancel one of h-amy's orders",
    allowed: ['owner', 'trader'],
    // Refused callers aim at an order that stays open; each allowed caller cancels a fresh one.
    request: (_n, allowed) => ({ method: 'DELETE', url: `/v1/orders/${allowed ? ordersToCancel.pop() : ordersToCancel[0]}` }),
  },
  { name: 'list own orders', allowed: ['owner', 'member', 'trader', 'neighbour', 'retailer', 'utility'], request: () => ({ method: 'GET', url: '/v1/orders' }) },
  { name: "list a household's orders", allowed: HOUSEHOLD_READERS, request: () => ({ method: 'GET', url: '/v1/orders?householdId=h-amy' }) },
  { name: 'read an interval', allowed: ALL_SIGNED_IN, request: () => ({ method: 'GET', url: `/v1/market/intervals/${interval(1)}` }) },
  { name: 'close an interval', allowed: ['utility'], request: (n) => ({ method: 'POST', url: `/v1/market/intervals/${interval(100 + n)}/close` }) },
  { name: 'clear an interval', allowed: ['utility'], request: (n) => ({ method: 'POST', url: `/v1/market/intervals/${interval(300 + n)}/clear` }) },
  { name: 'settle an interval', allowed: ['utility'], request: () => ({ method: 'POST', url: `/v1/market/intervals/${settleable}/settle` }) },
  { name: 'list own trades', allowed: ['owner', 'member', 'trader', 'neighbour', 'retailer', 'utility'], request: () => ({ method: 'GET', url: '/v1/trades' }) },
  { name: "list a household's trades", allowed: HOUSEHOLD_READERS, request: () => ({ method: 'GET', url: '/v1/trades?householdId=h-amy' }) },
  { name: 'list certificates', allowed: HOUSEHOLD_READERS, request: () => ({ method: 'GET', url: '/v1/households/h-amy/certificates' }) },
  // Whose certificate it is, is the chaincode's check (see the neighbourhood scenario); here: owners only.
  { name: 'claim a certificate', allowed: ['owner', 'neighbour'], allowedStatus: 404, request: () => ({ method: 'POST', url: '/v1/certificates/cert-none/claim' }) },
  { name: 'run the conservation audit', allowed: ['utility', 'retailer', 'auditor'], request: () => ({ method: 'GET', url: `/v1/audit/conservation?from=${interval(1)}&to=${interval(1)}` }) },
  // Signed-in callers get a stream (see events.test.ts); inject cannot end one, so only refusal here.
  { name: 'subscribe to events', allowed: [], only: ['anonymous'], request: () => ({ method: 'GET', url: '/v1/events' }) },
];

beforeAll(async () => {
  gw = await startTestGateway();
  const config = await operatorMarket(gw);
  price = Math.floor((config.feedInTariff + config.retailTariff) / 2);
  gridFeeLocal = (await gw.call(UTILITY, 'GET', '/v1/market/config')).json<{ gridFeeLocal: number }>().gridFeeLocal;
  meter = await onboard(gw, {
    householdId: 'h-amy',
    zone: 'north',
    owner: 'amy',
    members: [{ userId: 'amy-kid' }, { userId: 'amy-partner', canTrade: true }],
    deposit: 1_000_000,
  });
  await onboard(gw, { householdId: 'h-nat', zone: 'south', owner: 'nat', deposit: 1_000_000 });
  for (let i = 0; i < 3; i++) {
    const res = await gw.call('amy', 'POST', '/v1/orders', { householdId: 'h-amy', side: 'buy', interval: interval(2), energyWh: 5, limitPrice: price }, { 'idempotency-key': newKey() });
    await expectStatus(res, 201);
    ordersToCancel.push(res.json<{ orderId: string }>().orderId);
  }
  settleable = interval(3);
  await expectStatus(await gw.call(UTILITY, 'POST', `/v1/market/intervals/${settleable}/clear`), 200);
}, 180_000);
afterAll(async () => gw?.close());

const rolesOf = (op: Operation) => op.only ?? ROLES;
const cases = OPERATIONS.flatMap((op) => rolesOf(op).map((role) => [op.name, role] as const));

it('covers at least 60 role × operation cases', () => {
  expect(cases.length).toBeGreaterThanOrEqual(60);
});

describe.each(OPERATIONS.map((op) => [op.name, op] as const))('%s', (_name, op) => {
  // Callers the operation is refused to first, so an allowed call cannot mask a refusal.
  const ordered = [...rolesOf(op)].sort((a, b) => Number(op.allowed.includes(a)) - Number(op.allowed.includes(b)));
  it.each(ordered)('as %s', async (role) => {
    const allowed = op.allowed.includes(role);
    const { method, url, body, headers } = op.request(counter++, allowed);
    const res = await gw.call(USERS[role], method, url, body, headers);
    if (!allowed) {
      expect([role, res.statusCode]).toEqual([role, role === 'anonymous' ? 401 : 403]);
      expect(res.json()).toMatchObject({ code: role === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN' });
    } else if (op.allowedStatus) {
      expect([role, res.statusCode, res.body]).toEqual([role, op.allowedStatus, res.body]);
    } else {
      expect([role, res.statusCode >= 200 && res.statusCode < 300, res.body]).toEqual([role, true, res.body]);
    }
  });
});

describe('the auditor', () => {
  it('is an AuditorMSP identity the chaincode knows as an auditor', async () => {
    const audit = await gw.call(AUDITOR, 'GET', `/v1/audit/conservation?from=${interval(1)}&to=${interval(1)}`);
    await expectStatus(audit, 200);
    expect(audit.json()).toMatchObject({ ok: true });
  });

  it('sees the public household record but never its private details', async () => {
    const res = await gw.call(AUDITOR, 'GET', '/v1/households/h-amy');
    await expectStatus(res, 200);
    expect(res.json()).toMatchObject({ householdId: 'h-amy', retailer: 'RetailerMSP' });
    expect(res.json()).not.toHaveProperty('privateDetails');
  });
});
