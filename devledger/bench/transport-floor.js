#!/usr/bin/env node
'use strict';
/**
 * What a submit costs before any dev ledger logic runs: the CPU of the parts Fabric's protocols
 * require and this machine must pay whoever implements the peer.
 *
 *   node devledger/bench/transport-floor.js [--seconds 4]
 *
 * Measures, on this machine:
 *   - ECDSA P-256/SHA-256 sign and verify with OpenSSL (node:crypto), as the client and the
 *     ledger use them;
 *   - a grpc-js unary call carrying a 2 KB message, at 64 in flight, with the server in a child
 *     process: CPU per call in the client and in the server (grpc-js and HTTP/2 only, no handler work).
 * and prints the floor of one submit (3 unary calls, 3 client signatures, 3 ledger verifications,
 * 1 endorsement signature) next to the submits/s that floor alone would allow on this machine's cores.
 */
const crypto = require('node:crypto');
const os = require('node:os');
const { fork } = require('node:child_process');
const grpc = require('@grpc/grpc-js');

const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 4;
const IN_FLIGHT = 64;
const MESSAGE = Buffer.alloc(2048, 7);

const identity = (b) => b;
const ECHO = {
  echo: { path: '/floor.Echo/Call', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
};

function cpuMs(usage) {
  return (usage.user + usage.system) / 1000;
}

function serverMain() {
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
  server.addService(ECHO, { echo: (call, callback) => callback(null, call.request) });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) throw error;
    process.send({ port });
  });
  process.on('message', (message) => {
    if (message === 'cpu') process.send({ cpuMs: cpuMs(process.cpuUsage()) });
    if (message === 'stop') server.tryShutdown(() => process.exit(0));
  });
}

function ask(child, message, field) {
  return new Promise((resolve) => {
    const onMessage = (reply) => {
      if (reply[field] === undefined) return;
      child.off('message', onMessage);
      resolve(reply[field]);
    };
    child.on('message', onMessage);
    if (message) child.send(message);
  });
}

function microseconds(operation, iterations) {
  for (let i = 0; i < iterations / 10; i++) operation(); // warm-up
  const started = performance.now();
  for (let i = 0; i < iterations; i++) operation();
  return ((performance.now() - started) * 1000) / iterations;
}

async function unaryCallCost(port) {
  const Client = grpc.makeGenericClientConstructor(ECHO);
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.enable_channelz': 0, 'grpc.enable_retries': 0 });
  const call = () => new Promise((resolve, reject) => client.echo(MESSAGE, { deadline: Date.now() + 10_000 }, (e, v) => (e ? reject(e) : resolve(v))));
  const run = async (seconds) => {
    let calls = 0;
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (performance.now() < deadline) {
          await call();
          calls++;
        }
      }),
    );
    return calls;
  };
  await run(1); // warm-up
  return { client, run };
}

async function main() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const proposal = crypto.randomBytes(1500);
  const signature = crypto.sign('sha256', proposal, privateKey);
  const signUs = microseconds(() => crypto.sign('sha256', proposal, privateKey), 5000);
  const verifyUs = microseconds(() => crypto.verify('sha256', proposal, publicKey, signature), 3000);

  const child = fork(__filename, ['--server'], { stdio: 'inherit' });
  const port = await ask(child, undefined, 'port');
  const { client, run } = await unaryCallCost(port);
  const serverBefore = await ask(child, 'cpu', 'cpuMs');
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const calls = await run(SECONDS);
  const elapsed = (performance.now() - started) / 1000;
  const clientMsPerCall = cpuMs(process.cpuUsage(clientBefore)) / calls;
  const serverMsPerCall = ((await ask(child, 'cpu', 'cpuMs')) - serverBefore) / calls;
  client.close();
  child.send('stop');

  const clientFloorMs = 3 * clientMsPerCall + (3 * signUs) / 1000;
  const ledgerFloorMs = 3 * serverMsPerCall + (3 * verifyUs + signUs) / 1000;
  const cores = os.cpus().length;
  const rows = [
    ['P-256 sign (OpenSSL)', `${signUs.toFixed(1)} µs`],
    ['P-256 verify (OpenSSL)', `${verifyUs.toFixed(1)} µs`],
    [`grpc-js unary call, ${IN_FLIGHT} in flight`, `${Math.round(calls / elapsed)} calls/s; CPU ${(clientMsPerCall * 1000).toFixed(0)} µs client + ${(serverMsPerCall * 1000).toFixed(0)} µs server`],
    ['client floor per submit (3 calls, 3 signatures)', `${clientFloorMs.toFixed(2)} ms`],
    ['ledger floor per submit (3 calls, 3 verifications, 1 signature)', `${ledgerFloorMs.toFixed(2)} ms`],
    [`submits/s those floors alone allow on ${cores} cores`, `${Math.round((cores * 1000) / (clientFloorMs + ledgerFloorMs))}`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value] of rows) console.log(`${name.padEnd(width)} | ${value}`);
  console.log('(not included: fabric-gateway\'s and fabric-shim\'s own work, the chaincode stream, the dev ledger\'s logic)');
}

if (process.argv.includes('--server')) serverMain();
else
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });

