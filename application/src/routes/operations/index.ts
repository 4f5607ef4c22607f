import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { UTILITY_ADMIN } from '../../principals';
import { errors } from '../common';
import { HttpError } from '../../http-error';

/** Liveness, readiness and Prometheus metrics: unauthenticated, not rate limited. */
const operationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ledger, metrics } = app.gridshare;
  const tags = ['operations'];
  const noLimit = { rateLimit: false } as const;

  app.get('/healthz', {
    config: noLimit,
    schema: { tags, response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/readyz', {
    config: noLimit,
    schema: { tags, response: { 200: Type.Object({ status: Type.Literal('ready'), utilityMspId: Type.String() }), ...errors(503) } },
    handler: async () => {
      let consortium: { utilityMspId: string };
      try {
        consortium = await ledger.evaluate<{ utilityMspId: string }>(UTILITY_ADMIN, 'consortium', 'GetConsortium');
      } catch (err) {
        if (err instanceof HttpError && err.statusCode === 503) throw err;
        throw new HttpError(503, 'NOT_READY', `the chaincode is not answering: ${(err as Error).message}`);
      }
      return { status: 'ready' as const, utilityMspId: consortium.utilityMspId };
    },
  });

  app.get('/metrics', {
    config: noLimit,
    schema: { tags, produces: ['text/plain'] },
    handler: async (_request, reply) => {
      void reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  });
};

export default operationsRoutes;
