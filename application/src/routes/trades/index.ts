import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireOwnHousehold, requireRole } from '../../plugins/auth';
import { forbidden } from '../../http-error';
import { errors, Id, Interval, Passthrough, secured } from '../common';

const Trade = Passthrough({
  tradeId: Type.Optional(Type.String()),
  interval: Type.Optional(Type.String()),
  buyOrderId: Type.Optional(Type.String()),
  sellOrderId: Type.Optional(Type.String()),
  energyWh: Type.Optional(Type.Integer()),
  price: Type.Optional(Type.Integer()),
  zoneFrom: Type.Optional(Type.String()),
  zoneTo: Type.Optional(Type.String()),
});
const TradesQuery = Type.Object(
  { interval: Type.Optional(Interval), householdId: Type.Optional(Id('household')) },
  { additionalProperties: false },
);

const tradesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ledger } = app.gridshare;
  app.get('/trades', {
    schema: { tags: ['market'], security: secured, querystring: TradesQuery, response: { 200: Passthrough({ trades: Type.Array(Trade) }), ...errors(400, 401, 403, 503) } },
    handler: async (request) => {
      const user = requireRole(request, 'household', 'retailer-admin', 'utility-admin');
      const query: { interval?: string; householdId?: string } = { ...request.query };
      if (user.role === 'household') {
        if (query.householdId) requireOwnHousehold(user, query.householdId);
        if (!user.householdId) throw forbidden('this user is not bound to a household');
        query.householdId = user.householdId;
      }
      return ledger.evaluate<{ trades: [] }>(user.userId, 'market', 'ListTrades', { args: [query] });
    },
  });
};

export default tradesRoutes;
