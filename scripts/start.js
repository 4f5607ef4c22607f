#!/usr/bin/env node
/**
 * `npm start`: the whole system on the embedded dev ledger — or, with GRIDSHARE_LEDGER=fabric and
 * GRIDSHARE_NETWORK=<connection file>, the gateway app alone against a real Fabric network.
 *
 * Starts the dev ledger (peer + orderer stand-in, chaincode as a service, dev CAs) as one child
 * process, waits for the connection file it writes, then starts the gateway app against that file
 * exactly as it would run against a real Fabric network (GRIDSHARE_NETWORK). On first start the app
 * enrolls `utility-admin` and `retailer-admin` and initialises the consortium; the demo seed then
 * onboards a few households so the API has something to show (GRIDSHARE_SEED_DEMO=0 skips it).
 * `--reset` wipes `.gridshare/` (ledger, identities, event checkpoints) first.
 */
'use strict';
const { spawn } = require('node:child_process');
const { GATEWAY_NODE_FLAGS } = require('../application/node-flags');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dataDir = path.resolve(process.env.GRIDSHARE_HOME || path.join(root, '.gridshare'));
const ledgerDir = path.join(dataDir, 'devledger');
const connectionFile = path.join(ledgerDir, 'connection.json');
const reset = process.argv.includes('--reset');
const port = Number(process.env.PORT || 3000);
const baseUrl = `http://127.0.0.1:${port}`;

const children = [];
function run(name, args, env) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      console.error(`[start] ${name} exited (${signal || code}); stopping.`);
      shutdown(code || 1);
    }
  });
  children.push(child);
  return child;
}

let shuttingDown = false;
function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  // Stop the app first so it closes its gateways cleanly, then the ledger.
  for (const child of [...children].reverse()) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.on('exit', r))))).then(() =>
    process.exit(code),
  );
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

async function waitForFile(file, since, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (fs.statSync(file).mtimeMs >= since) return;
    } catch {
      /* not written yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`dev ledger did not write ${file} within ${timeoutMs / 1000}s`);
}

async function waitForReady(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${baseUrl}/readyz`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`gateway app not ready at ${baseUrl}/readyz within ${timeoutMs / 1000}s`);
}

async function seed() {
  const { seedDemo } = require(path.join(root, 'bench/dist/seed-demo.js'));
  const result = await seedDemo(baseUrl);
  console.log(`[start] demo seeded: households ${result.households.join(', ')}; open orders for ${result.interval}`);
}

async function startAgainstFabric() {
  const network = process.env.GRIDSHARE_NETWORK;
  if (!network) throw new Error('GRIDSHARE_LEDGER=fabric needs GRIDSHARE_NETWORK=<connection file> (test-network-scripts write it)');
  run('gateway app', [...GATEWAY_NODE_FLAGS, path.join(root, 'application/dist/main.js')], {
    GRIDSHARE_NETWORK: path.resolve(network),
    GRIDSHARE_DATA_DIR: process.env.GRIDSHARE_DATA_DIR || path.join(dataDir, 'fabric-identities'),
    PORT: String(port),
  });
  await waitForReady(120000);
  // The demo seed writes to the ledger: on a real network only when asked for.
  if (process.env.GRIDSHARE_SEED_DEMO === '1') await seed();
  console.log(`[start] Gridshare is up against ${network}: API ${baseUrl}  Swagger UI ${baseUrl}/docs`);
}

async function main() {
  if (process.env.GRIDSHARE_LEDGER === 'fabric') return startAgainstFabric();
  // A reset ledger has new CAs and no history: the app's identities and event checkpoints go with it.
  if (reset) fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(ledgerDir, { recursive: true });
  const startedAt = Date.now() - 1000;
  run('dev ledger', [
    path.join(root, 'devledger/dist/cli.js'),
    'start',
    '--data-dir', ledgerDir,
    '--chaincode-dir', path.join(root, 'chaincode'),
    ...(reset ? ['--reset'] : []),
  ]);
  await waitForFile(connectionFile, startedAt, 60000);
  run('gateway app', [...GATEWAY_NODE_FLAGS, path.join(root, 'application/dist/main.js')], {
    GRIDSHARE_LEDGER: 'dev',
    GRIDSHARE_NETWORK: connectionFile,
    GRIDSHARE_DATA_DIR: path.join(dataDir, 'identities'),
    PORT: String(port),
  });
  await waitForReady(120000);
  if (process.env.GRIDSHARE_SEED_DEMO !== '0') await seed();
  console.log(`[start] Gridshare is up: API ${baseUrl}  Swagger UI ${baseUrl}/docs  (Ctrl-C stops)`);
  console.log(`[start] try: curl -s -X POST ${baseUrl}/v1/dev/login -H 'content-type: application/json' -d '{"user":"alice"}'`);
}

main().catch((err) => {
  console.error(`[start] ${err.message}`);
  shutdown(1);
});
