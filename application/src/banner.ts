import type { AppConfig } from './config';

/** The host a person can open in a browser: a wildcard listen address means this machine. */
function browsableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The start-up lines for a person at the terminal (the request log stays JSON): where the API and
 * its docs are, and which ledger the gateway talks to through which peer endpoints.
 */
export function startupBanner(config: AppConfig, port: number): string[] {
  const base = `http://${browsableHost(config.host)}:${port}`;
  const network = config.network;
  const peers = Object.values(network.organizations).map(
    (org) => `${org.mspId}@${org.peer.endpoint}${org.peer.tlsCaCertPath ? ' (TLS)' : ''}`,
  );
  return [
    `Gridshare gateway listening: API ${base}/v1  Swagger UI ${base}/docs  OpenAPI ${base}/openapi.json  metrics ${base}/metrics`,
    `ledger: ${network.kind ?? config.ledger} "${network.name}" channel ${network.channel}, chaincode ${network.chaincode}; ` +
      `peers ${peers.join(', ')}` +
      `${config.devLogin ? `; dev login on (POST ${base}/v1/dev/login)` : ''}`,
    `request log: JSON lines on stdout at level ${config.logLevel} (LOG_LEVEL)`,
  ];
}
