import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HttpError } from '../../http-error';
import { errors, Id } from '../common';

/** Dev login: a token for any user the identity store holds. Registered only where enabled. */
const devLoginRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { identities } = app.gridshare;
  app.post('/dev/login', {
    schema: {
      tags: ['dev'],
      description: 'Development only: a bearer token for a seeded or onboarded user.',
      body: Type.Object({ user: Id('gateway user ID') }, { additionalProperties: false }),
      response: { 200: Type.Object({ token: Type.String() }), ...errors(400, 404) },
    },
    handler: async (request) => {
      const identity = await identities.get(request.body.user);
      if (!identity) throw new HttpError(404, 'USER_NOT_FOUND', `no user ${request.body.user}`);
      return { token: await app.jwt.sign({ sub: identity.userId }) };
    },
  });
};

export default devLoginRoutes;
