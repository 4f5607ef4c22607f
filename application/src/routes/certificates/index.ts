import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireOwnHousehold, requireRole } from '../../plugins/auth';
import { forbidden } from '../../http-error';
import { errors, Id, Passthrough, secured } from '../common';

const Certificate = Passthrough({
  certificateId: Type.Optional(Type.String()),
  interval: Type.Optional(Type.String()),
  energyWh: Type.Optional(Type.Integer()),
  sellerMeterId: Type.Optional(Type.String()),
  zone: Type.Optional(Type.String()),
  claimed: Type.Optional(Type.Boolean()),
});

const certificatesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ledger } = app.gridshare;
  const tags = ['certificates'];

  app.get('/households/:id/certificates', {
    schema: { tags, security: secured, params: Type.Object({ id: Id('household ID') }), response: { 200: Passthrough({ certificates: Type.Array(Certificate) }), ...errors(401, 403, 404, 503) } },
    handler: async (request) => {
      const user = requireRole(request, 'household', 'retailer-admin', 'utility-admin');
      requireOwnHousehold(user, request.params.id);
      return ledger.evaluate<{ certificates: [] }>(user.userId, 'certificates', 'ListCertificates', { args: [request.params.id] });
    },
  });

  app.post('/certificates/:certificateId/claim', {
    schema: { tags, security: secured, params: Type.Object({ certificateId: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:#@-]{0,159}$', description: 'certificate ID, URL-encoded (it contains `:` and `#`)' }) }), response: { 200: Certificate, ...errors(400, 401, 403, 404, 409, 503) } },
    handler: async (request) => {
      const user = requireRole(request, 'household');
      if (user.memberRole !== 'owner') throw forbidden('only the household owner claims certificates');
      return ledger.submit<object>(user.userId, 'certificates', 'ClaimCertificate', { args: [request.params.certificateId] });
    },
  });
};

export default certificatesRoutes;
