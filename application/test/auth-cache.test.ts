import Fastify from 'fastify';
import { authPlugin } from '../src/plugins/auth';
import { errorsPlugin } from '../src/plugins/errors';
import type { PrincipalResolver } from '../src/principals';

test('a verified token is remembered, but never past its expiry, and a tampered one is refused', async () => {
  const app = Fastify();
  await app.register(errorsPlugin);
  const principals = { resolve: async (userId: string) => ({ userId, mspId: 'UtilityMSP', role: 'utility-admin' }) } as unknown as PrincipalResolver;
  await app.register(authPlugin, { jwt: { secret: 'a-test-secret-of-enough-length', expiresIn: '1s' }, principals });
  app.get('/me', { onRequest: app.authenticate }, async (request) => ({ user: request.user.userId }));
  await app.ready();
  try {
    const token = app.jwt.sign({ sub: 'utility-admin' });
    const call = (t: string) => app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${t}` } });
    expect((await call(token)).json()).toEqual({ user: 'utility-admin' });
    expect((await call(token)).json()).toEqual({ user: 'utility-admin' });
    expect((await call(`${token.slice(0, -2)}xx`)).statusCode).toBe(401);
    await new Promise((r) => setTimeout(r, 1_100));
    const expired = await call(token);
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toMatchObject({ code: 'UNAUTHORIZED' });
  } finally {
    await app.close();
  }
});
