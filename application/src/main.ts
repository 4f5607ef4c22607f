import type { AddressInfo } from 'node:net';
import { buildApp } from './app';
import { startupBanner } from './banner';
import { ConfigError, loadConfig } from './config';

/** Starts the gateway and closes it cleanly (Gateways, gRPC clients, event listeners) on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gridshare gateway: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const app = await buildApp(config);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  await app.listen({ port: config.port, host: config.host });
  const { port } = app.server.address() as AddressInfo;
  app.log.info({ port, ledger: config.network.kind ?? config.ledger, channel: config.network.channel }, 'gateway ready');
  // For the person who ran `npm start`: plain lines on stderr, so stdout stays pure JSON.
  process.stderr.write(`${startupBanner(config, port).join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`gridshare gateway failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
