import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { badRequest } from '../../http-error';
import { requireRole } from '../../plugins/auth';
import { errors, Interval, Passthrough, secured } from '../common';
import { intervalStartSeconds } from '../interval-names';

const Conservation = Passthrough({
  ok: Type.Boolean(),
  intervals: Type.Integer(),
  energyImbalanceWh: Type.Integer(),
  moneyImbalance: Type.Integer(),
  problems: Type.Array(Type.Unknown()),
});

/** Intervals in [from, to], both names of the market's intervals; a clear 400 when the range is not one. */
export function intervalsBetween(from: string, to: string, intervalSeconds: number): number {
  const start = intervalStartSeconds(from, intervalSeconds, 'from');
  const end = intervalStartSeconds(to, intervalSeconds, 'to');
  if (end < start) throw badRequest('INVALID_ARGUMENT', `to ${to} is before from ${from}`);
  return (end - start) / intervalSeconds + 1;
}

const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ledger, config } = app.gridshare;
  const maxIntervals = config.auditMaxIntervals;
  app.get('/audit/conservation', {
    schema: {
      tags: ['audit'],
      security: secured,
      description:
        `Re-checks conservation of energy and money over the settled intervals in [from, to] (inclusive), ` +
        `at most ${maxIntervals} intervals per call: audit longer periods in chunks.`,
      querystring: Type.Object({ from: Interval, to: Interval }, { additionalProperties: false }),
      response: { 200: Conservation, ...errors(400, 401, 403, 503) },
    },
    handler: async (request) => {
      const user = requireRole(request, 'utility-admin', 'retailer-admin', 'auditor');
      const { from, to } = request.query;
      const market = await ledger.evaluate<{ intervalSeconds: number }>(user.userId, 'market', 'GetMarketConfig');
      const intervals = intervalsBetween(from, to, market.intervalSeconds);
      if (intervals > maxIntervals) {
        throw badRequest(
          'AUDIT_RANGE_TOO_LARGE',
          `from ${from} to ${to} spans ${intervals} intervals; audit at most ${maxIntervals} per call (ask in chunks)`,
        );
      }
      // The audit reads every statement entry besides the range's trades: it outlasts ordinary reads.
      return ledger.evaluate<{ ok: boolean; intervals: number; energyImbalanceWh: number; moneyImbalance: number; problems: unknown[] }>(
        user.userId, 'audit', 'Conservation', { args: [from, to] }, { timeoutMs: config.deadlines.auditMs });
    },
  });
};

export default auditRoutes;
