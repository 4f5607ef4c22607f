#!/usr/bin/env node
/**
 * gridshare-devledger start --data-dir .gridshare/devledger --chaincode-dir chaincode [--reset]
 *   [--host 127.0.0.1] [--port 7051] [--ca-port 7054] [--chaincode-address host:port]
 *   [--channel energy] [--chaincode-name gridshare] [--chaincode-module <dir>]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startDevLedger, type ChaincodeSource } from './index';
import { sizeThreadPoolToCores } from './thread-pool';

const USAGE =
  'usage: gridshare-devledger start --data-dir <dir> (--chaincode-dir <dir> | --chaincode-address <host:port>) ' +
  '[--reset] [--host <host>] [--port <port>] [--ca-port <port>] [--channel <name>] [--chaincode-name <name>] ' +
  '[--chaincode-module <dir> (contract module to load, default the chaincode dir)] [--block-timeout-ms <n>] [--quiet]';

function integerOption(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > max) throw new Error(`--${name} must be an integer from 0 to ${max}, got ${value}`);
  return parsed;
}

async function main(argv: string[]): Promise<void> {
  sizeThreadPoolToCores();
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string', default: '.gridshare/devledger' },
      'chaincode-dir': { type: 'string' },
      'chaincode-address': { type: 'string' },
      'chaincode-module': { type: 'string' },
      'block-timeout-ms': { type: 'string' },
      reset: { type: 'boolean', default: false },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      'ca-port': { type: 'string' },
      channel: { type: 'string' },
      'chaincode-name': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals[0] !== 'start') {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  let chaincode: ChaincodeSource;
  if (values['chaincode-address']) chaincode = { mode: 'external', address: values['chaincode-address'] };
  else if (values['chaincode-dir']) {
    chaincode = {
      mode: 'spawn',
      dir: path.resolve(values['chaincode-dir']),
      ...(values['chaincode-module'] ? { modulePath: path.resolve(values['chaincode-module']) } : {}),
    };
  }
  else throw new Error(`one of --chaincode-dir or --chaincode-address is required\n${USAGE}`);

  const ledger = await startDevLedger({
    dataDir: path.resolve(values['data-dir']),
    host: values.host,
    gatewayPort: integerOption(values.port, 'port', 7051, 65535),
    caPort: integerOption(values['ca-port'], 'ca-port', 7054, 65535),
    chaincode,
    reset: values.reset,
    ...(values['block-timeout-ms'] ? { blockTimeoutMs: integerOption(values['block-timeout-ms'], 'block-timeout-ms', 2, 60_000) } : {}),
    ...(values.channel ? { channel: values.channel } : {}),
    ...(values['chaincode-name'] ? { chaincodeName: values['chaincode-name'] } : {}),
    logger: values.quiet ? undefined : (msg) => console.error(`[devledger] ${msg}`),
  });
  console.log(`gateway (gRPC, plaintext): ${ledger.gatewayEndpoint}`);
  console.log(`CA (Fabric CA REST):       ${ledger.caUrl}`);
  console.log(`connection file:           ${ledger.connectionFile}`);
  console.log(`block height:              ${ledger.blockHeight()}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`[devledger] ${signal}: committing pending transactions and shutting down`);
    ledger.close().then(
      () => process.exit(0),
      (error: Error) => {
        console.error(`[devledger] shutdown failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(`gridshare-devledger: ${error.message}`);
  process.exit(1);
});
