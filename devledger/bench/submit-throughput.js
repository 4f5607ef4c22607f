#!/usr/bin/env node
'use strict';
/**
 * Dev ledger submit benchmark: submits/s and p50/p99 latency (endorse + submit + commit status)
 * at 1, 16 and 64 transactions in flight, through the real fabric-gateway client.
 *
 *   npm run build -w devledger && node devledger/bench/submit-throughput.js [--seconds 5] [--warmup 12]
 *
 * Prints a table and writes bench/results/devledger-submit.json. The dev ledger runs as its own
 * process (the CLI), as it does beside the app, with the protocol-test contract
 * (devledger/test/fixtures/test-chaincode) so it measures the dev ledger, not the Gridshare chaincode.
 *
 * `--confirm block-events` learns each commit from one filtered-block stream instead of a signed
 * CommitStatus call per submit — how the gateway app confirms its transactions — and writes
 * bench/results/devledger-submit.block-events.json. The target is judged on the default.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const { connect, hash } = require('@hyperledger/fabric-gateway');
const { childPids, makeIdentity, processCpuMs, repoRoot, startLedgerProcess, stopLedgerProcess } = require('./ledger-process');

const secondsArg = process.argv.indexOf('--seconds');
const SECONDS_PER_LEVEL = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 5;
const levelsArg = process.argv.indexOf('--levels');
const LEVELS = levelsArg > 0 ? process.argv[levelsArg + 1].split(',').map(Number) : [1, 16, 64];
// --profile <dir>: V8 CPU profiles of the ledger and chaincode processes (run the bench itself with --cpu-prof for the client).
const confirmArg = process.argv.indexOf('--confirm');
const CONFIRM = confirmArg > 0 ? process.argv[confirmArg + 1] : 'commit-status';
if (CONFIRM !== 'commit-status' && CONFIRM !== 'block-events') {
  console.error('--confirm must be commit-status or block-events');
  process.exit(2);
}
// Unmeasured load at each level before it is measured: the client, the ledger and the chaincode
// are Node processes whose JIT and heap sizing settle under each load (on this machine the first
// 6 s at 64 in flight gave 747–815 submits/s, the next 6 s 977–1,004, then 1,026–1,029).
const warmupArg = process.argv.indexOf('--warmup');
const WARMUP_SECONDS = warmupArg > 0 ? Number(process.argv[warmupArg + 1]) : 12;
const profileArg = process.argv.indexOf('--profile');
const PROFILE_DIR = profileArg > 0 ? path.resolve(process.argv[profileArg + 1]) : undefined;

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

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Commits learnt from one filtered-block stream that starts after a committed block, so no
 * transaction submitted afterwards can be missed; each submit waits for its own transaction ID.
 */
async function blockEventConfirmer(network, afterBlock) {
  const waiting = new Map();
  const events = await network.getFilteredBlockEvents({ startBlock: afterBlock + 1n });
  const reading = (async () => {
    for await (const block of events) {
      for (const tx of block.getFilteredTransactionsList()) {
        const resolve = waiting.get(tx.getTxid());
        if (resolve) {
          waiting.delete(tx.getTxid());
          resolve(tx.getTxValidationCode());
        }
      }
    }
  })().catch(() => undefined);
  return {
    /** Endorse, then submit, then wait until the stream shows the transaction committed VALID. */
    async submit(contract, args) {
      const transaction = await contract.newProposal('Put', { arguments: args }).endorse();
      const committed = new Promise((resolve) => waiting.set(transaction.getTransactionId(), resolve));
      await transaction.submit();
      const code = await committed;
      if (code !== 0) throw new Error(`transaction ${transaction.getTransactionId()} committed with validation code ${code}`);
    },
    async close() {
      events.close();
      await reading;
    },
  };
}

async function runLevel(submitOne, inFlight, seconds, ledgerPid) {
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
        await submitOne(key, 'x'.repeat(64));
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

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devledger-bench-'));
  const ledger = await startLedgerProcess(dataDir, PROFILE_DIR);
  // One channel and one Gateway for all submits, as the app holds them; channelz statistics off.
  const client = new grpc.Client(ledger.endpoint, grpc.credentials.createInsecure(), {
    'grpc.enable_channelz': 0,
    // fabric-gateway retries nothing through grpc-js; without retries grpc-js does not buffer every message.
    'grpc.enable_retries': 0,
  });
  const id = await makeIdentity();
  const gateway = connect({ client, ...id, hash: hash.none });
  const network = gateway.getNetwork('energy');
  const contract = network.getContract('probe', 'probe');
  let confirmer;
  let submitOne = (key, value) => contract.submitTransaction('Put', key, value);
  if (CONFIRM === 'block-events') {
    const first = await (await contract.newProposal('Put', { arguments: ['bench-start', 'x'] }).endorse()).submit();
    confirmer = await blockEventConfirmer(network, (await first.getStatus()).blockNumber);
    submitOne = (key, value) => confirmer.submit(contract, [key, value]);
  }
  const results = [];
  try {
    for (const inFlight of LEVELS) {
      if (WARMUP_SECONDS > 0) await runLevel(submitOne, inFlight, WARMUP_SECONDS, ledger.child.pid);
      results.push(await runLevel(submitOne, inFlight, SECONDS_PER_LEVEL, ledger.child.pid));
    }
  } finally {
    await confirmer?.close();
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
    confirm: CONFIRM,
    description:
      CONFIRM === 'commit-status'
        ? 'submitTransaction (endorse + submit + commit status) through @hyperledger/fabric-gateway against the dev ledger'
        : 'endorse + submit through @hyperledger/fabric-gateway, each commit learnt from one filtered-block stream (as the gateway app confirms them)',
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    secondsPerLevel: SECONDS_PER_LEVEL,
    warmupSecondsPerLevel: WARMUP_SECONDS,
    target: { inFlight: 64, submitsPerSecond: 1000 },
    note: 'the machine is shared: loadAverage1m shows its load during each level; cpuBoundSubmitsPerSecond = cores × 1000 / CPU ms per submit',
    results,
  };
  if (PROFILE_DIR || levelsArg > 0) {
    console.log('profiling or custom levels: results file not written');
    return;
  }
  const file = path.join(repoRoot, 'bench', 'results', CONFIRM === 'commit-status' ? 'devledger-submit.json' : 'devledger-submit.block-events.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(output, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
