import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireRole } from '../../plugins/auth';
import { errors, secured } from '../common';
import { fromChaincode, toChaincode, type ChaincodeMarketConfig } from './config-mapping';
import { IntervalParams, IntervalResult, IntervalView, MarketConfig, MarketConfigUpdate } from './schemas';

const marketRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ledger } = app.gridshare;
  const tags = ['market'];

  app.get('/market/config', {
    schema: { tags, security: secured, response: { 200: MarketConfig, ...errors(401, 503) } },
    handler: async (request) =>
      fromChaincode(await ledger.evaluate<ChaincodeMarketConfig>(request.user.userId, 'market', 'GetMarketConfig')),
  });

  app.put('/market/config', {
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
    handler: async (request) => ledger.evaluate<object>(request.user.userId, 'market', 'GetInterval', { args: [request.params.interval] }),
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
