import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireOwnHousehold, requireRole } from '../../plugins/auth';
import { forbidden } from '../../http-error';
import { errors, Id, IdempotencyHeaders, idempotencyKey, Interval, Passthrough, PositiveInt, NonNegativeInt, secured } from '../common';

export const PlaceOrderBody = Type.Object(
  {
    householdId: Id('the household trading'),
    side: Type.Union([Type.Literal('buy'), Type.Literal('sell')]),
    interval: Interval,
    energyWh: PositiveInt('energy, Wh'),
    limitPrice: NonNegativeInt('money units per kWh: the most a buyer pays, the least a seller takes'),
    meterId: Type.Optional(Id('sell orders: the exporting meter (defaults to the household\'s)')),
  },
  { additionalProperties: false },
);

export const Order = Passthrough({
  orderId: Type.Optional(Type.String()),
  householdId: Type.Optional(Type.String()),
  side: Type.Optional(Type.String()),
  interval: Type.Optional(Type.String()),
  energyWh: Type.Optional(Type.Integer()),
  limitPrice: Type.Optional(Type.Integer()),
  status: Type.Optional(Type.String()),
});
const OrderParams = Type.Object({ orderId: Type.String({ pattern: '^o-[0-9a-f]{32}$', description: 'order ID' }) });
const OrdersQuery = Type.Object(
  { householdId: Type.Optional(Id('household')), interval: Type.Optional(Interval) },
  { additionalProperties: false },
);

const ordersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ledger } = app.gridshare;
  const tags = ['orders'];

  app.post('/orders', {
    schema: { tags, security: secured, headers: IdempotencyHeaders, body: PlaceOrderBody, response: { 201: Order, ...errors(400, 401, 403, 404, 409, 422, 503) } },
    handler: async (request, reply) => {
      const user = requireRole(request, 'household');
      const key = idempotencyKey(request);
      requireOwnHousehold(user, request.body.householdId);
      if (!user.canTrade) throw forbidden('this member may not trade for the household');
      // An order's keys are new and only its household acts on them next: the response waits for
      // the household's own peer, and this user's next request for the other organizations' peers.
      const order = await ledger.submit<object>(
        user.userId,
        'market',
        'PlaceOrder',
        { args: [{ ...request.body, idempotencyKey: key }] },
        { otherPeers: 'before-next-request' },
      );
      return reply.status(201).send(order);
    },
  });

  app.delete('/orders/:orderId', {
    schema: { tags, security: secured, params: OrderParams, response: { 200: Order, ...errors(400, 401, 403, 404, 409, 503) } },
    handler: async (request) => {
      const user = requireRole(request, 'household');
      if (!user.canTrade) throw forbidden('this member may not trade for the household');
      return ledger.submit<object>(user.userId, 'market', 'CancelOrder', { args: [request.params.orderId] });
    },
  });

  app.get('/orders', {
    schema: { tags, security: secured, querystring: OrdersQuery, response: { 200: Passthrough({ orders: Type.Array(Order) }), ...errors(400, 401, 403, 503) } },
    handler: async (request) => {
      const user = requireRole(request, 'household', 'retailer-admin', 'utility-admin');
      const query: { householdId?: string; interval?: string } = { ...request.query };
      if (user.role === 'household') {
        if (query.householdId) requireOwnHousehold(user, query.householdId);
        if (!user.householdId) throw forbidden('this user is not bound to a household');
        query.householdId = user.householdId;
      }
      return ledger.evaluate<{ orders: [] }>(user.userId, 'market', 'ListOrders', { args: [query] });
    },
  });
};

export default ordersRoutes;
