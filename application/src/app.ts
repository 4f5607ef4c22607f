import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppConfig } from './config';
import { bootstrap, type ConsortiumCheck } from './bootstrap';
import { FabricConnections } from './fabric/connections';
import { EventHub } from './fabric/event-hub';
import { ChaincodeEventListener } from './fabric/event-listener';
import { DEFAULT_RETRY, Ledger } from './fabric/ledger';
import { CertificateRenewal, Enroller, FileIdentityStore, type IdentityStore } from './identity';
import { OperatorScheduler } from './operator/scheduler';
import { authPlugin } from './plugins/auth';
import { errorsPlugin } from './plugins/errors';
import { GatewayMetrics, metricsPlugin } from './plugins/metrics';
import { forgetBindingsOnMembershipEvents, forgetMetersOnMeterEvents, HouseholdDirectory, PrincipalResolver, UTILITY_ADMIN } from './principals';
import { ErrorBody } from './routes/common';
import auditRoutes from './routes/audit';
import certificatesRoutes from './routes/certificates';
import devLoginRoutes from './routes/dev';
import eventsRoutes from './routes/events';
import householdsRoutes from './routes/households';
import marketRoutes from './routes/market';
import metersRoutes from './routes/meters';
import operationsRoutes from './routes/operations';
import ordersRoutes from './routes/orders';
import tradesRoutes from './routes/trades';
import type { Services } from './services';

export interface AppDeps {
  identities?: IdentityStore;
  enroller?: Enroller;
  logger?: FastifyServerOptions['logger'];
}

/**
 * Builds the gateway: plugins, routes and the services behind them. Listening is left to the
 * caller (`main.ts`, or tests through `inject`). On ready it bootstraps the ledger users, starts
 * the chaincode event listener and the operator scheduler; on close it stops them all and closes
 * every Gateway and gRPC connection.
 */
export async function buildApp(config: AppConfig, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? { level: config.logLevel },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    bodyLimit: 1_048_576,
    // Bad input is refused, never silently fixed: no type coercion, no dropped properties.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const identities = deps.identities ?? new FileIdentityStore(config.dataDir);
  const enroller = deps.enroller ?? new Enroller(identities, config.network.organizations);
  const renewal = new CertificateRenewal(identities, enroller, {
    onRenewalFailed: (userId, err) => app.log.warn({ err, userId }, 'certificate renewal failed; the current certificate is used until the next attempt'),
  });
  const metrics = new GatewayMetrics();
  const connections = new FabricConnections(config.network, identities, config.deadlines, config.grpcMaxMessageBytes, {
    // The utility operator reads every peer's filtered blocks (see FabricConnections), on the dev
    // ledger as on Fabric.
    commitWatcherUser: UTILITY_ADMIN,
    onWatcherError: (err, failures) => app.log.warn({ err, failures }, 'commit watcher block stream failed; reconnecting'),
    renewIdentity: (userId) => renewal.renewIfDue(userId),
  });
  const ledger = new Ledger(connections, metrics, {
    ...DEFAULT_RETRY,
    maxAttempts: config.retry.conflictMaxAttempts,
    commitStatusPolls: config.retry.commitStatusPolls,
    // GRIDSHARE_COMMIT_STATUS_TIMEOUT_MS is the whole commit wait of one attempt.
    commitWaitMs: config.deadlines.commitStatusMs,
  }, app.log);
  const services: Services = {
    config,
    identities,
    enroller,
    connections,
    ledger,
    metrics,
    principals: new PrincipalResolver(identities, ledger),
    households: new HouseholdDirectory(ledger, UTILITY_ADMIN),
    hub: new EventHub(),
  };
  app.decorate('gridshare', services);
  forgetBindingsOnMembershipEvents(services.hub, services.principals);
  forgetMetersOnMeterEvents(services.hub, services.households);

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  await app.register(errorsPlugin);
  await app.register(metricsPlugin, { metrics });
  await app.register(rateLimit, {
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.timeWindowMs,
    // Runs per route after authentication: per verified user where the route authenticates (a
    // caller gains nothing by presenting other tokens or headers), else per client address.
    keyGenerator: (request) => (request.user ? `user:${request.user.userId}` : `ip:${request.ip}`),
  });
  // Requests without a valid token never reach the per-route limit (authentication refuses them
  // first), so they are counted here, per client address, before their 401; past the limit they
  // get 429, whatever Authorization header they try. Callers that authenticate keep their own
  // buckets, even behind the same address.
  const limitUnauthenticated = app.rateLimit({ keyGenerator: (request) => `ip:${request.ip}` });
  app.addSchema(ErrorBody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Gridshare gateway', version: '1.0.0', description: 'Peer-to-peer energy market on Hyperledger Fabric' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true }, config: { rateLimit: false } }, async () => app.swagger());
  await app.register(authPlugin, { jwt: config.jwt, principals: services.principals });

  await app.register(operationsRoutes);
  if (config.devLogin && app.canSignTokens) await app.register(devLoginRoutes, { prefix: '/v1' });
  await app.register(
    async (v1) => {
      v1.addHook('onRequest', async function authenticateOrCount(request, reply) {
        try {
          await v1.authenticate(request, reply);
        } catch (err) {
          await limitUnauthenticated.call(this, request, reply);
          throw err;
        }
      });
      await v1.register(householdsRoutes);
      await v1.register(metersRoutes);
      await v1.register(marketRoutes);
      await v1.register(ordersRoutes);
      await v1.register(tradesRoutes);
      await v1.register(certificatesRoutes);
      await v1.register(auditRoutes);
      await v1.register(eventsRoutes);
    },
    { prefix: '/v1' },
  );

  const listener = new ChaincodeEventListener(
    connections,
    UTILITY_ADMIN,
    services.hub,
    path.join(config.stateDir, 'events.checkpoint.json'),
    app.log,
  );
  const scheduler = new OperatorScheduler(ledger, UTILITY_ADMIN, app.log, {
    tickMs: config.operatorScheduler.tickMs,
    settleGraceSeconds: config.operatorScheduler.settleGraceSeconds,
    checkpointFile: path.join(config.stateDir, 'operator.checkpoint.json'),
    observer: metrics,
  });
  let consortiumCheck: ConsortiumCheck | undefined;
  app.addHook('onReady', async () => {
    consortiumCheck = await bootstrap({ identities, enroller, ledger, profile: config.network, initialMarket: config.initialMarket, log: app.log });
    await listener.start();
    if (config.operatorScheduler.enabled) scheduler.start();
  });
  app.addHook('onClose', async () => {
    consortiumCheck?.stop();
    await scheduler.stop();
    await listener.close();
    await connections.close();
  });
  return app;
}
