import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireOwnHousehold, requireRole } from '../../plugins/auth';
import { HttpError, conflict } from '../../http-error';
import type { Principal, WhoAmI } from '../../principals';
import { errors, IdempotencyHeaders, idempotencyKey, secured } from '../common';
import { AddMemberBody, AmountBody, Household, HouseholdParams, Member, MoneyEntry, OnboardBody, Statement } from './schemas';

const householdsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ledger, identities, enroller, principals } = app.gridshare;
  const tags = ['households'];

  app.post('/households', {
    schema: { tags, security: secured, body: OnboardBody, response: { 201: Household, ...errors(400, 401, 403, 409, 503) } },
    handler: async (request, reply) => {
      const user = requireRole(request, 'retailer-admin');
      const { privateDetails, ...publicPart } = request.body;
      // The ledger keeps a hash of the details salted with this: fresh, secret (transient only, then
      // the retailer's private collection), so nobody on the channel can test guesses against it.
      const salt = randomBytes(32).toString('base64url');
      try {
        const household = await ledger.submit<object>(user.userId, 'households', 'OnboardHousehold', {
          args: [publicPart],
          transient: { privateDetails: JSON.stringify({ ...privateDetails, salt }) },
        });
        return reply.status(201).send(household);
      } catch (err) {
        if (err instanceof HttpError && err.code === 'ALREADY_EXISTS') {
          throw conflict('HOUSEHOLD_EXISTS', `household ${publicPart.householdId} already exists`);
        }
        throw err;
      }
    },
  });

  app.post('/households/:id/members', {
    schema: { tags, security: secured, params: HouseholdParams, body: AddMemberBody, response: { 201: Member, ...errors(400, 401, 403, 404, 409, 503) } },
    handler: async (request, reply) => {
      const admin = requireRole(request, 'retailer-admin');
      const householdId = request.params.id;
      const { userId, role, canTrade } = request.body;
      if (role === 'owner' && canTrade === false) {
        throw new HttpError(400, 'VALIDATION_ERROR', 'an owner always trades: canTrade false is only for role member');
      }
      // Fails with 404/403 before anyone is enrolled when the household is not this retailer's.
      await ledger.evaluate(admin.userId, 'households', 'GetHousehold', { args: [householdId] });
      const existing = await identities.get(userId);
      if (existing && (existing.role !== 'household' || existing.mspId !== admin.mspId)) {
        throw conflict('USER_EXISTS', `user ${userId} already exists with another role or organization`);
      }
      if (!existing) await enroller.enrollUser(userId, admin.mspId, 'household', { householdId });
      const who: WhoAmI = await principals.whoAmI(userId, true);
      if (who.householdId && who.householdId !== householdId) {
        throw conflict('USER_EXISTS', `user ${userId} already belongs to another household`);
      }
      const member = await ledger.submit<object>(admin.userId, 'households', 'AddMember', {
        args: [{ householdId, userId, role, mspId: who.mspId, identityId: who.id, ...(canTrade === undefined ? {} : { canTrade }) }],
      });
      principals.forget(userId);
      return reply.status(201).send(member);
    },
  });

  app.get('/households/:id', {
    schema: { tags, security: secured, params: HouseholdParams, response: { 200: Household, ...errors(401, 403, 404, 503) } },
    handler: async (request) => {
      // Auditors read the public household record; private details only go to its retailer and members.
      const user = requireRole(request, 'household', 'retailer-admin', 'utility-admin', 'auditor');
      requireOwnHousehold(user, request.params.id);
      const household = await ledger.evaluate<Record<string, unknown>>(user.userId, 'households', 'GetHousehold', { args: [request.params.id] });
      if (user.role === 'household' || user.role === 'retailer-admin') {
        household.privateDetails = await ledger.evaluate(user.userId, 'households', 'GetPrivateDetails', { args: [request.params.id] });
      }
      return household;
    },
  });

  app.get('/households/:id/statement', {
    schema: { tags, security: secured, params: HouseholdParams, response: { 200: Statement, ...errors(401, 403, 404, 503) } },
    handler: async (request) => {
      const user = requireRole(request, 'household', 'retailer-admin', 'utility-admin');
      requireOwnHousehold(user, request.params.id);
      return ledger.evaluate<{ entries: [] }>(user.userId, 'money', 'GetStatement', { args: [request.params.id] });
    },
  });

  const moneyRoute = (path: string, transaction: 'Deposit' | 'Withdraw') =>
    app.post(path, {
      schema: {
        tags,
        security: secured,
        params: HouseholdParams,
        headers: IdempotencyHeaders,
        body: AmountBody,
        response: { 201: MoneyEntry, ...errors(400, 401, 403, 404, 409, 422, 503) },
      },
      handler: async (request, reply) => {
        const user: Principal = requireRole(request, 'retailer-admin');
        const key = idempotencyKey(request);
        const householdId = request.params.id;
        const { amount } = request.body;
        // A repeated key replays the first result; the chaincode refuses it for a different request (409).
        const entry = await ledger.submit<object>(user.userId, 'money', transaction, {
          args: [{ householdId, amount, idempotencyKey: key }],
        });
        return reply.status(201).send(entry);
      },
    });
  moneyRoute('/households/:id/deposits', 'Deposit');
  moneyRoute('/households/:id/withdrawals', 'Withdraw');
};

export default householdsRoutes;
