import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireRole } from '../../plugins/auth';
import { errors, Interval, Passthrough, secured } from '../common';

const Conservation = Passthrough({
  ok: Type.Boolean(),
  intervals: Type.Integer(),
  energyImbalanceWh: Type.Integer(),
  moneyImbalance: Type.Integer(),
  problems: Type.Array(Type.Unknown()),
});

const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ledger } = app.gridshare;
  app.get('/audit/conservation', {
    schema: {
      tags: ['audit'],
      security: secured,
      querystring: Type.Object({ from: Type.Optional(Interval), to: Type.Optional(Interval) }, { additionalProperties: false }),
      response: { 200: Conservation, ...errors(400, 401, 403, 503) },
    },
    handler: async (request) => {
      const user = requireRole(request, 'utility-admin', 'retailer-admin', 'auditor');
      const { from = '', to = '' } = request.query;
      return ledger.evaluate<{ ok: boolean; intervals: number; energyImbalanceWh: number; moneyImbalance: number; problems: unknown[] }>(
        user.userId, 'audit', 'Conservation', { args: [from, to] });
    },
  });
};

export default auditRoutes;
