#!/usr/bin/env node
'use strict';
/**
 * Large-transaction benchmark: one transaction that scans n keys with a range query, then reads and
 * rewrites each of them (the shape of a market clearing: ~2n chaincode-stream round trips, n reads,
 * n writes and a range of n keys in the read/write set), at several n. Reports, for the dev ledger
 * process, the CPU of the endorsement (simulation: serving the chaincode's requests) per chaincode
 * request, the CPU of ordering + validation + commit, and the growth of its resident memory.
 *
 *   npm run build -w devledger && node devledger/bench/large-transaction.js [--sizes 1000,10000,100000] [--profile <dir>]
 *
 * Prints a table and the results as one JSON line.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const { connect, hash } = require('@hyperledger/fabric-gateway');
const { childPids, makeIdentity, memory, processCpuMs, resetPeakMemory, startLedgerProcess, stopLedgerProcess } = require('./ledger-process');

const argValue = (name) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const SIZES = (argValue('--sizes') ?? '1000,10000,100000').split(',').map(Number);
const PROFILE_DIR = argValue('--profile') ? path.resolve(argValue('--profile')) : undefined;
const VALUE_BYTES = 300;
const SEED_PER_TX = 5000;
const MAX_MESSAGE = 200 * 1024 * 1024;

async function seed(contract, prefix, count) {
  const txs = [];
  for (let from = 0; from < count; from += SEED_PER_TX) {
    const n = Math.min(SEED_PER_TX, count - from);
    txs.push(contract.submitTransaction('Seed', prefix, String(from), String(n), String(VALUE_BYTES)));
    if (txs.length === 4) await Promise.all(txs.splice(0));
  }
  await Promise.all(txs);
}

async function measure(contract, ledgerPid, prefix, n) {
  const chaincodePid = childPids(ledgerPid)[0];
  if (global.gc) global.gc();
  const before = { ledger: processCpuMs(ledgerPid), chaincode: processCpuMs(chaincodePid), memory: memory(ledgerPid) };
  resetPeakMemory(ledgerPid);
  const loadAverage1m = Number(os.loadavg()[0].toFixed(2));
  const t0 = performance.now();
  const proposal = contract.newProposal('Sweep', { arguments: [prefix] });
  const transaction = await proposal.endorse();
  const tEndorsed = performance.now();
  const endorsedCpu = { ledger: processCpuMs(ledgerPid), chaincode: processCpuMs(chaincodePid) };
  const touched = Number(Buffer.from(transaction.getResult()).toString());
  if (touched !== n) throw new Error(`Sweep touched ${touched} keys, expected ${n}`);
  const commit = await transaction.submit();
  const status = await commit.getStatus();
  if (!status.successful) throw new Error(`Sweep of ${n} keys did not commit: code ${status.code}`);
  const tCommitted = performance.now();
  const after = { ledger: processCpuMs(ledgerPid), chaincode: processCpuMs(chaincodePid), memory: memory(ledgerPid) };
  // Range query: one GET_STATE_BY_RANGE and a QUERY_STATE_NEXT per further batch of 100; then n GET_STATE and n PUT_STATE.
  const requests = Math.ceil(n / 100) + 2 * n;
  const endorseLedgerMs = endorsedCpu.ledger - before.ledger;
  return {
    keys: n,
    chaincodeRequests: requests,
    envelopeBytes: transaction.getBytes().length,
    endorseMs: Math.round(tEndorsed - t0),
    submitToCommitMs: Math.round(tCommitted - tEndorsed),
    ledgerCpuMs: { endorse: endorseLedgerMs, commit: after.ledger - endorsedCpu.ledger, total: after.ledger - before.ledger },
    ledgerCpuUsPerChaincodeRequest: Math.round((endorseLedgerMs * 1000) / requests),
    chaincodeCpuMs: after.chaincode - before.chaincode,
    ledgerRssBeforeBytes: before.memory.rssBytes,
    ledgerPeakRssGrowthBytes: after.memory.peakRssBytes - before.memory.rssBytes,
    loadAverage1m,
  };
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devledger-large-tx-'));
  const ledger = await startLedgerProcess(dataDir, PROFILE_DIR);
  const client = new grpc.Client(ledger.endpoint, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_MESSAGE,
    'grpc.max_send_message_length': MAX_MESSAGE,
  });
  const gateway = connect({ client, ...(await makeIdentity()), hash: hash.none, endorseOptions: () => ({ deadline: Date.now() + 600_000 }) });
  const contract = gateway.getNetwork('energy').getContract('probe', 'probe');
  const results = [];
  try {
    await seed(contract, 'warm/', 200);
    await measure(contract, ledger.child.pid, 'warm/', 200);
    for (const n of SIZES) {
      const prefix = `sweep${n}/`;
      const t0 = performance.now();
      await seed(contract, prefix, n);
      console.error(`seeded ${n} keys in ${((performance.now() - t0) / 1000).toFixed(1)} s; sweeping …`);
      results.push(await measure(contract, ledger.child.pid, prefix, n));
    }
  } finally {
    gateway.close();
    client.close();
    await stopLedgerProcess(ledger.child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0);
  console.log('keys | requests | endorse ms | commit ms | ledger CPU ms endorse+commit | µs/request | chaincode CPU ms | ledger RSS +MB | load 1m');
  console.log('-----|----------|------------|-----------|-----------------------------|------------|------------------|----------------|--------');
  for (const r of results) {
    console.log(
      [r.keys, r.chaincodeRequests, r.endorseMs, r.submitToCommitMs, `${r.ledgerCpuMs.endorse} + ${r.ledgerCpuMs.commit}`, r.ledgerCpuUsPerChaincodeRequest, r.chaincodeCpuMs, mb(r.ledgerPeakRssGrowthBytes), r.loadAverage1m].join(' | '),
    );
  }
  console.log(JSON.stringify({ benchmark: 'devledger-large-tx', date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, valueBytes: VALUE_BYTES, results }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
