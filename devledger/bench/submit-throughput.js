#!/usr/bin/env node
'use strict';
/**
 * Dev ledger submit benchmark: submits/s and p50/p99 latency (endorse + submit + commit status)
 * at 1, 16 and 64 transactions in flight, through the real fabric-gateway client.
 *
 *   npm run build -w devledger && node devledger/bench/submit-throughput.js [--seconds 5]
 *
 * Prints a table and writes bench/results/devledger-submit.json. The dev ledger runs as its own
 * process (the CLI), as it does beside the app, with the protocol-test contract
 * (devledger/test/fixtures/test-chaincode) so it measures the dev ledger, not the Gridshare chaincode.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const { connect, hash } = require('@hyperledger/fabric-gateway');
const { spawn } = require('node:child_process');
const { x509 } = require('../dist/ca/x509');
const { signLowS } = require('../dist/identity/ecdsa');

const repoRoot = path.resolve(__dirname, '..', '..');
const fixture = path.join(__dirname, '..', 'test', 'fixtures', 'test-chaincode');
const secondsArg = process.argv.indexOf('--seconds');
const SECONDS_PER_LEVEL = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 5;
const levelsArg = process.argv.indexOf('--levels');
const LEVELS = levelsArg > 0 ? process.argv[levelsArg + 1].split(',').map(Number) : [1, 16, 64];
// --profile <dir>: V8 CPU profiles of the ledger and chaincode processes (run the bench itself with --cpu-prof for the client).
const profileArg = process.argv.indexOf('--profile');
const PROFILE_DIR = profileArg > 0 ? path.resolve(process.argv[profileArg + 1]) : undefined;
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux). */
function processCpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

function childPids(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** CPU ms used by the client (this process), the ledger process and the chaincode process. */
function cpuSnapshot(ledgerPid) {
  const own = process.cpuUsage();
  const chaincodePid = childPids(ledgerPid)[0];
  return {
    client: (own.user + own.system) / 1000,
    ledger: processCpuMs(ledgerPid),
    chaincode: chaincodePid ? processCpuMs(chaincodePid) : NaN,
  };
}

async function makeIdentity() {
  const keys = await crypto.webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=bench, OU=client, O=UtilityMSP',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const pkcs8 = Buffer.from(await crypto.webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKey = crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return {
    identity: { mspId: 'UtilityMSP', credentials: Buffer.from(cert.toString('pem')) },
    // OpenSSL signing over the full message (hash.none), low-S as Fabric requires.
    signer: async (message) => signLowS(message, privateKey),
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function runLevel(contract, inFlight, seconds, ledgerPid) {
  const latencies = [];
  const cpuBefore = cpuSnapshot(ledgerPid);
  const loadBefore = os.loadavg()[0];
  let failures = 0;
  let sequence = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  async function worker(w) {
    while (performance.now() < deadline) {
      const key = `bench-${inFlight}-${w}-${sequence++}`;
      const t0 = performance.now();
      try {
        await contract.submitTransaction('Put', key, 'x'.repeat(64));
        latencies.push(performance.now() - t0);
      } catch (error) {
        failures++;
        if (failures < 3) console.error(`submit failed: ${error.message}`);
      }
    }
  }
  await Promise.all(Array.from({ length: inFlight }, (_, w) => worker(w)));
  const elapsed = (performance.now() - started) / 1000;
  const cpuAfter = cpuSnapshot(ledgerPid);
  const perTx = (part) => Number(((cpuAfter[part] - cpuBefore[part]) / Math.max(1, latencies.length)).toFixed(2));
  latencies.sort((a, b) => a - b);
  return {
    inFlight,
    submits: latencies.length,
    failures,
    seconds: Number(elapsed.toFixed(2)),
    submitsPerSecond: Math.round(latencies.length / elapsed),
    p50Ms: Number(percentile(latencies, 50).toFixed(1)),
    p99Ms: Number(percentile(latencies, 99).toFixed(1)),
    // CPU cost per committed submit in each process: what the machine must spend, whatever its load.
    cpuMsPerSubmit: { client: perTx('client'), ledger: perTx('ledger'), chaincode: perTx('chaincode') },
    // What that CPU cost allows if every core served only these three processes (an estimate, not a measurement).
    cpuBoundSubmitsPerSecond: Math.round((os.cpus().length * 1000) / (perTx('client') + perTx('ledger') + perTx('chaincode'))),
    loadAverage1m: { before: Number(loadBefore.toFixed(2)), after: Number(os.loadavg()[0].toFixed(2)) },
  };
}

/** Starts the dev ledger CLI and resolves with its process and gateway endpoint. */
function startLedgerProcess(dataDir) {
  const cli = path.join(__dirname, '..', 'dist', 'cli.js');
  const args = ['start', '--data-dir', dataDir, '--chaincode-dir', path.join(repoRoot, 'chaincode'), '--chaincode-module', fixture];
  if (PROFILE_DIR) fs.mkdirSync(PROFILE_DIR, { recursive: true });
  const nodeArgs = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', path.join(PROFILE_DIR, 'ledger')] : [];
  const env = PROFILE_DIR
    ? // The chaincode server is stopped by a signal, so it keeps a V8 tick log (node --prof-process) instead of a .cpuprofile.
      { ...process.env, DEVLEDGER_CHAINCODE_NODE_ARGS: `--prof --no-logfile-per-isolate --logfile=${path.join(PROFILE_DIR, 'chaincode-v8.log')}` }
    : process.env;
  const child = spawn(process.execPath, [...nodeArgs, cli, ...args, '--chaincode-name', 'probe', '--port', '0', '--ca-port', '0', '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /gateway \(gRPC, plaintext\): (\S+)/.exec(output);
      if (match) resolve({ child, endpoint: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`dev ledger exited with code ${code}`)));
  });
}

function stopLedgerProcess(child) {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devledger-bench-'));
  const ledger = await startLedgerProcess(dataDir);
  // One channel and one Gateway for all submits, as the app holds them; channelz statistics off.
  const client = new grpc.Client(ledger.endpoint, grpc.credentials.createInsecure(), { 'grpc.enable_channelz': 0 });
  const id = await makeIdentity();
  const gateway = connect({ client, ...id, hash: hash.none });
  const contract = gateway.getNetwork('energy').getContract('probe', 'probe');
  const results = [];
  try {
    await runLevel(contract, 16, 1, ledger.child.pid); // warm-up
    for (const inFlight of LEVELS) results.push(await runLevel(contract, inFlight, SECONDS_PER_LEVEL, ledger.child.pid));
  } finally {
    gateway.close();
    client.close();
    await stopLedgerProcess(ledger.child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  console.log('in flight | submits/s | p50 ms | p99 ms | submits | failures | CPU ms/submit client+ledger+chaincode | load 1m');
  console.log('----------|-----------|--------|--------|---------|----------|---------------------------------------|--------');
  for (const r of results) {
    const cpu = r.cpuMsPerSubmit;
    console.log(
      `${String(r.inFlight).padStart(9)} | ${String(r.submitsPerSecond).padStart(9)} | ${String(r.p50Ms).padStart(6)} | ${String(r.p99Ms).padStart(6)} | ${String(r.submits).padStart(7)} | ${String(r.failures).padStart(8)} | ${`${cpu.client} + ${cpu.ledger} + ${cpu.chaincode}`.padStart(37)} | ${r.loadAverage1m.before}`,
    );
  }
  const output = {
    benchmark: 'devledger-submit',
    description: 'submitTransaction (endorse + submit + commit status) through @hyperledger/fabric-gateway against the dev ledger',
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    secondsPerLevel: SECONDS_PER_LEVEL,
    target: { inFlight: 64, submitsPerSecond: 1000 },
    note: 'the machine is shared: loadAverage1m shows its load during each level; cpuBoundSubmitsPerSecond = cores × 1000 / CPU ms per submit',
    results,
  };
  if (PROFILE_DIR || levelsArg > 0) {
    console.log('profiling or custom levels: results file not written');
    return;
  }
  const file = path.join(repoRoot, 'bench', 'results', 'devledger-submit.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(output, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
