import Fastify from 'fastify';
import { authPlugin } from '../src/plugins/auth';
import { errorsPlugin } from '../src/plugins/errors';
import type { PrincipalResolver } from '../src/principals';

// The clock is held still: a token's iat and exp are whole seconds, so against the real clock a
// token signed late in a second could expire within milliseconds on a busy machine.
const SIGNED_AT_MS = 1_800_000_000_000;

afterEach(() => jest.restoreAllMocks());

test('a verified token is remembered, but never past its expiry, and a tampered one is refused', async () => {
  let clock = SIGNED_AT_MS;
  jest.spyOn(Date, 'now').mockImplementation(() => clock);
  const app = Fastify();
  await app.register(errorsPlugin);
  const principals = { resolve: async (userId: string) => ({ userId, mspId: 'UtilityMSP', role: 'utility-admin' }) } as unknown as PrincipalResolver;
  await app.register(authPlugin, { jwt: { secret: 'a-test-secret-of-enough-length', expiresIn: '60s' }, principals });
  app.get('/me', { onRequest: app.authenticate }, async (request) => ({ user: request.user.userId }));
  await app.ready();
  try {
    const token = app.jwt.sign({ sub: 'utility-admin' });
    const call = (t: string) => app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${t}` } });
    expect((await call(token)).json()).toEqual({ user: 'utility-admin' });
    expect((await call(token)).json()).toEqual({ user: 'utility-admin' });
    expect((await call(`${token.slice(0, -2)}xx`)).statusCode).toBe(401);
    clock = SIGNED_AT_MS + 59_999;
    expect((await call(token)).json()).toEqual({ user: 'utility-admin' });
    clock = SIGNED_AT_MS + 60_001;
    const expired = await call(token);
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toMatchObject({ code: 'UNAUTHORIZED' });
  } finally {
    await app.close();
  }
});
