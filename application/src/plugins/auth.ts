import fp from 'fastify-plugin';
import jwt from '@fastify/jwt';
import type { FastifyRequest } from 'fastify';
import type { JwtConfig } from '../config';
import { HttpError, forbidden } from '../http-error';
import type { Principal, PrincipalResolver, Role } from '../principals';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string };
    user: Principal;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook: verifies the bearer token and loads the caller as `request.user`. */
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** True when this gateway can mint tokens (dev login). */
    canSignTokens: boolean;
  }
}

const unauthorized = (message: string) => new HttpError(401, 'UNAUTHORIZED', message);

/**
 * Verified tokens remembered by fast-jwt (LRU keyed by the whole token; an entry never outlives the
 * token's own expiry). Each caller presents the same token on every request, and verifying it
 * again was about 0.18 ms of the gateway's CPU per order under load.
 */
const VERIFIED_TOKEN_CACHE = 10_000;

export const authPlugin = fp<{ jwt: JwtConfig; principals: PrincipalResolver }>(async (app, opts) => {
  const { secret, publicKeyPem, privateKeyPem, expiresIn } = opts.jwt;
  if (secret) {
    await app.register(jwt, { secret, sign: { algorithm: 'HS256', expiresIn }, verify: { algorithms: ['HS256'], cache: VERIFIED_TOKEN_CACHE } });
  } else {
    await app.register(jwt, {
      secret: { public: publicKeyPem!, private: privateKeyPem ?? 'unused: verification only' },
      sign: { algorithm: 'ES256', expiresIn },
      verify: { algorithms: ['ES256'], cache: VERIFIED_TOKEN_CACHE },
    });
  }
  app.decorate('canSignTokens', Boolean(secret ?? privateKeyPem));

  app.decorate('authenticate', async (request: FastifyRequest) => {
    if (!request.headers.authorization) throw unauthorized('missing Authorization: Bearer <token>');
    let sub: unknown;
    try {
      sub = (await request.jwtVerify<{ sub?: unknown }>()).sub;
    } catch (err) {
      throw unauthorized(`invalid token: ${(err as Error).message}`);
    }
    if (typeof sub !== 'string' || sub === '') throw unauthorized('token has no subject');
    const principal = await opts.principals.resolve(sub);
    if (!principal) throw unauthorized(`unknown user ${sub}`);
    request.user = principal;
  });
});

/** Throws 403 unless the caller has one of the roles. */
export function requireRole(request: FastifyRequest, ...roles: Role[]): Principal {
  const user = request.user;
  if (!roles.includes(user.role)) throw forbidden(`${user.role} may not do this`);
  return user;
}

/** For household members: throws 403 unless the household is their own. Other roles pass. */
export function requireOwnHousehold(user: Principal, householdId: string): void {
  if (user.role === 'household' && user.householdId !== householdId) {
    throw forbidden('household members may only act on their own household');
  }
}
