import { startTestGateway, type TestGateway } from './helpers/gateway';
import { RETAILER, UTILITY } from './helpers/world';

/** Requests per caller per window in this file: small enough to reach, large enough for set-up. */
const MAX = 4;

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ GRIDSHARE_RATE_LIMIT_MAX: String(MAX), GRIDSHARE_RATE_LIMIT_WINDOW_MS: '600000' });
}, 120_000);
afterAll(async () => gw?.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const get = (headers: Record<string, string>) => gw.app.inject({ method: 'GET', url: '/v1/market/config', headers });

it('limits requests without a valid token per client address, whatever Authorization header they send', async () => {
  const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1dGlsaXR5LWFkbWluIn0.bad';
  for (let i = 0; i < MAX; i++) {
    expect((await get(i % 2 ? {} : bearer(`${forged}${i}`))).json()).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
  }
  for (const headers of [{}, bearer(forged), bearer('another'), { authorization: 'Basic Zm9vOmJhcg==' }]) {
    const limited = await get(headers);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ statusCode: 429, code: 'RATE_LIMITED', message: expect.stringContaining('Rate limit exceeded') });
    expect(limited.headers['retry-after']).toBeDefined();
  }
  // Callers who authenticate have buckets of their own, even from the same address.
  expect((await gw.call(RETAILER, 'GET', '/v1/market/config')).statusCode).toBe(200);
});

it('limits an authenticated caller per user, not per token', async () => {
  const first = await gw.token(UTILITY);
  for (let i = 0; i < MAX; i++) expect((await get(bearer(first))).statusCode).toBe(200);
  expect((await get(bearer(first))).json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
  // Another valid token for the same user (another claim, so another string) shares the bucket.
  const second = gw.app.jwt.sign({ sub: UTILITY, nonce: 'second' } as { sub: string });
  expect(second).not.toBe(first);
  expect((await get(bearer(second))).json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
  // The retailer still has requests left in its own bucket.
  expect((await gw.call(RETAILER, 'GET', '/v1/market/config')).statusCode).toBe(200);
});
