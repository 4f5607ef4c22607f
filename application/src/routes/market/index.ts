import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { preValidationAsyncHookHandler } from 'fastify';
import { badRequest } from '../../http-error';
import { requireRole } from '../../plugins/auth';
import { errors, secured } from '../common';
import { ownMeterIds } from '../events/visibility';
import { fromChaincode, toChaincode, type ChaincodeMarketConfig } from './config-mapping';
import { IntervalParams, IntervalResult, IntervalView, MarketConfig, MarketConfigUpdate, READ_ONLY_CONFIG_FIELDS } from './schemas';

/**
 * Runs before schema validation, so that a read-only field gets a 400 that says so rather than
 * the schema's "must NOT have additional properties" (the chaincode refuses them as unknown too).
 */
const refuseReadOnlyConfigFields: preValidationAsyncHookHandler = async (request) => {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const named = READ_ONLY_CONFIG_FIELDS.filter((field) => Object.hasOwn(body, field));
  if (named.length > 0) {
    throw badRequest('VALIDATION_ERROR', `${named.join(' and ')} ${named.length > 1 ? 'are' : 'is'} fixed by the ledger (read-only): PUT /v1/market/config cannot change ${named.length > 1 ? 'them' : 'it'}`);
  }
};

/** GetInterval's answer, as far as the route looks into it (the rest passes through). */
interface IntervalViewBody {
  interval: string;
  status: string;
  clearingPrice?: number | null;
  settlement?: { missingReadings?: unknown };
}

const marketRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ledger, households } = app.gridshare;
  const tags = ['market'];

  app.get('/market/config', {
    schema: { tags, security: secured, response: { 200: MarketConfig, ...errors(401, 503) } },
    handler: async (request) =>
      fromChaincode(await ledger.evaluate<ChaincodeMarketConfig>(request.user.userId, 'market', 'GetMarketConfig')),
  });

  app.put('/market/config', {
    preValidation: refuseReadOnlyConfigFields,
    schema: { tags, security: secured, body: MarketConfigUpdate, response: { 200: MarketConfig, ...errors(400, 401, 403, 409, 503) } },
    handler: async (request) => {
      const user = requireRole(request, 'utility-admin');
      const updated = await ledger.submit<ChaincodeMarketConfig>(user.userId, 'market', 'UpdateMarketConfig', {
        args: [toChaincode(request.body)],
      });
      return fromChaincode(updated);
    },
  });

  app.get('/market/intervals/:interval', {
    schema: { tags, security: secured, params: IntervalParams, response: { 200: IntervalView, ...errors(400, 401, 503) } },
    handler: async (request) => {
      const user = request.user;
      const { clearingPrice, ...view } = await ledger.evaluate<IntervalViewBody>(user.userId, 'market', 'GetInterval', { args: [request.params.interval] });
      // The view is aggregated: a household sees only its own meters among those missing readings.
      const missing = view.settlement?.missingReadings;
      if (user.role === 'household' && view.settlement && Array.isArray(missing)) {
        const own = await ownMeterIds(user, households);
        view.settlement = { ...view.settlement, missingReadings: missing.filter((meterId) => typeof meterId === 'string' && own.has(meterId)) };
      }
      // No trades, no price: absent, as before clearing (null would serialize as a price of 0).
      return clearingPrice === null || clearingPrice === undefined ? view : { ...view, clearingPrice };
    },
  });

  const operatorStep = (step: 'close' | 'clear' | 'settle') =>
    app.post(`/market/intervals/:interval/${step}`, {
      schema: { tags, security: secured, params: IntervalParams, response: { 200: IntervalResult, ...errors(400, 401, 403, 409, 503) } },
      handler: async (request) => {
        const user = requireRole(request, 'utility-admin');
        const args = { args: [request.params.interval] };
        if (step === 'close') return ledger.submit<object>(user.userId, 'market', 'CloseInterval', args);
        if (step === 'clear') return ledger.submit<object>(user.userId, 'market', 'ClearInterval', args);
        return ledger.submit<object>(user.userId, 'settlement', 'SettleInterval', args);
      },
    });
  operatorStep('close');
  operatorStep('clear');
  operatorStep('settle');
};

export default marketRoutes;
