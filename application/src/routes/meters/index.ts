import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireOwnHousehold, requireRole } from '../../plugins/auth';
import { HttpError, conflict } from '../../http-error';
import { errors, secured } from '../common';
import { Meter, MeterParams, RangeQuery, Readings, ReadingsBody, RegisterMeterBody } from './schemas';

const metersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ledger } = app.gridshare;
  const tags = ['meters'];

  app.post('/meters', {
    schema: { tags, security: secured, body: RegisterMeterBody, response: { 201: Meter, ...errors(400, 401, 403, 404, 409, 503) } },
    handler: async (request, reply) => {
      const user = requireRole(request, 'utility-admin');
      try {
        const meter = await ledger.submit<object>(user.userId, 'meters', 'RegisterMeter', { args: [request.body] });
        return reply.status(201).send(meter);
      } catch (err) {
        if (err instanceof HttpError && err.code === 'ALREADY_EXISTS') throw conflict('METER_EXISTS', err.message);
        throw err;
      }
    },
  });

  app.post('/meter-readings', {
    schema: {
      tags,
      security: secured,
      body: ReadingsBody,
      response: { 201: Type.Object({ accepted: Type.Integer() }), ...errors(400, 401, 403, 404, 409, 503) },
    },
    handler: async (request, reply) => {
      const user = requireRole(request, 'utility-admin');
      // Readings are personal data: they travel as transient data into private collections. The
      // ledger keeps a hash of each salted with a fresh secret of its own (transient only, then the
      // retailer's private collection), so nobody on the channel can test guessed values against it.
      const readings = request.body.readings.map((reading) => ({ ...reading, salt: randomBytes(32).toString('base64url') }));
      const result = await ledger.submit<{ accepted: number }>(user.userId, 'meters', 'SubmitReadings', {
        transient: { readings: JSON.stringify(readings) },
      });
      return reply.status(201).send(result);
    },
  });

  app.get('/meters/:id/readings', {
    schema: { tags, security: secured, params: MeterParams, querystring: RangeQuery, response: { 200: Readings, ...errors(400, 401, 403, 404, 503) } },
    handler: async (request) => {
      // Which household owns the meter is the chaincode's to check; auditors never see readings.
      const user = requireRole(request, 'household', 'retailer-admin', 'utility-admin');
      if (user.role === 'household') {
        const meter = await ledger.evaluate<{ householdId?: string }>(user.userId, 'meters', 'GetMeter', { args: [request.params.id] });
        requireOwnHousehold(user, meter.householdId ?? '');
      }
      const { from = '', to = '' } = request.query;
      return ledger.evaluate<{ readings: [] }>(user.userId, 'meters', 'GetReadings', { args: [request.params.id, from, to] });
    },
  });
};

export default metersRoutes;
