import type { AppConfig } from './config';
import type { Enroller, IdentityStore } from './identity';
import type { FabricConnections } from './fabric/connections';
import type { EventHub } from './fabric/event-hub';
import type { Ledger } from './fabric/ledger';
import type { GatewayMetrics } from './plugins/metrics';
import type { HouseholdDirectory, PrincipalResolver } from './principals';

/** Everything the routes use, created once per app instance. */
export interface Services {
  config: AppConfig;
  identities: IdentityStore;
  enroller: Enroller;
  connections: FabricConnections;
  ledger: Ledger;
  principals: PrincipalResolver;
  households: HouseholdDirectory;
  hub: EventHub;
  metrics: GatewayMetrics;
}

declare module 'fastify' {
  interface FastifyInstance {
    gridshare: Services;
  }
}
