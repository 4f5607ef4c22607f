#!/usr/bin/env node
/**
 * `npm run bench`: runs every benchmark this machine can, one after another (they would distort
 * each other's figures if run together), and prints where each wrote its JSON.
 *
 *   1. clearing — 1k/10k/100k orders in one interval on the dev ledger (bench/dist/clearing.js)
 *   2. dev ledger submit throughput at 1/16/64 in flight (devledger/bench/submit-throughput.js)
 *   3. trivial write vs order placement on a real Fabric network (native scripts; skips without
 *      the binaries), and the gateway-vs-direct comparison on the dev ledger, labelled as such
 *   4. a simulated day: 500 households × 96 intervals, pipelined (bench/dist/simulated-day.js)
 *
 * `--only clearing,day` runs a subset; extra arguments after `--` go to every bench script.
 * FABRIC_BIN (the release's bin/ folder) selects the Fabric binaries, else they are looked up on
 * PATH; FABRIC_CFG_PATH defaults to <FABRIC_BIN>/../config. Both are passed on as absolute paths.
 */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const results = path.join(root, 'bench', 'results');

const BENCHES = [
  { id: 'clearing', title: 'clearing (dev ledger)', script: 'bench/dist/clearing.js', result: 'clearing.json' },
  {
    id: 'submit',
    title: 'dev ledger submit throughput',
    script: 'devledger/bench/submit-throughput.js',
    // The dev ledger's own benchmark (its test contract, so it measures the ledger, not the chaincode).
    result: 'devledger-submit.json',
  },
  { id: 'fabric', title: 'trivial write vs order placement (real Fabric)', script: 'bench/dist/fabric-vs-gateway.js', result: 'fabric-vs-gateway.json' },
  {
    id: 'fabric-dev',
    title: 'gateway app vs fabric-gateway (dev ledger stand-in)',
    script: 'bench/dist/fabric-vs-gateway.js',
    args: ['--ledger', 'dev', '--orders', '1000'],
    result: 'fabric-vs-gateway.devledger.json',
  },
  { id: 'day', title: 'simulated day (dev ledger)', script: 'bench/dist/simulated-day.js', result: 'simulated-day.json' },
];

function parseOnly(argv) {
  const i = argv.indexOf('--only');
  if (i < 0) return null;
  const ids = (argv[i + 1] || '').split(',').filter(Boolean);
  const unknown = ids.filter((id) => !BENCHES.some((b) => b.id === id));
  if (ids.length === 0 || unknown.length > 0) {
    console.error(`--only takes a comma-separated list of: ${BENCHES.map((b) => b.id).join(', ')}`);
    process.exit(2);
  }
  return new Set(ids);
}

/**
 * The environment of the bench scripts: FABRIC_BIN and FABRIC_CFG_PATH made absolute (the scripts
 * run from the repository root, not from where `npm run bench` was started), FABRIC_CFG_PATH
 * defaulting to the release's config/ beside bin/.
 */
function benchEnv(env) {
  if (!env.FABRIC_BIN) return env;
  const bin = path.resolve(env.FABRIC_BIN);
  const config = env.FABRIC_CFG_PATH ? path.resolve(env.FABRIC_CFG_PATH) : path.join(path.dirname(bin), 'config');
  return { ...env, FABRIC_BIN: bin, ...(fs.existsSync(config) ? { FABRIC_CFG_PATH: config } : {}) };
}

function run(bench, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, bench.script), ...(bench.args || [])], { cwd: root, stdio: 'inherit', env });
    const stop = () => child.kill('SIGINT');
    process.once('SIGINT', stop);
    child.on('exit', (code, signal) => {
      process.removeListener('SIGINT', stop);
      resolve(signal ? 130 : code);
    });
  });
}

async function main() {
  const only = parseOnly(process.argv.slice(2));
  const env = benchEnv(process.env);
  fs.mkdirSync(results, { recursive: true });
  const summary = [];
  for (const bench of BENCHES) {
    if (only && !only.has(bench.id)) continue;
    console.log(`\n=== ${bench.title} ===`);
    if (!fs.existsSync(path.join(root, bench.script))) {
      const reason = `${bench.script} not found${bench.script.startsWith('bench/dist') ? ' (run npm run build)' : ''}`;
      console.log(`SKIP ${bench.title}: ${reason}`);
      summary.push({ bench: bench.title, status: 'skipped', detail: reason });
      continue;
    }
    if (bench.id === 'fabric') {
      console.log(env.FABRIC_BIN ? `Fabric binaries: FABRIC_BIN=${env.FABRIC_BIN}${env.FABRIC_CFG_PATH ? `, FABRIC_CFG_PATH=${env.FABRIC_CFG_PATH}` : ''}` : 'Fabric binaries: FABRIC_BIN not set, looking on PATH');
    }
    const started = Date.now();
    const code = await run(bench, env);
    const file = path.join(results, bench.result);
    const fresh = fs.existsSync(file) && fs.statSync(file).mtimeMs >= started;
    let status = code === 0 ? 'ok' : code === 3 ? 'skipped' : `failed (exit ${code})`;
    if (fresh) {
      try {
        if (JSON.parse(fs.readFileSync(file, 'utf8')).skipped) status = 'skipped';
      } catch {
        /* an unreadable result is reported by its path below */
      }
    }
    summary.push({ bench: bench.title, status, detail: fresh ? path.relative(root, file) : 'no result written' });
    if (code === 130) break;
  }
  console.log('\n=== summary ===');
  const width = Math.max(...summary.map((s) => s.bench.length));
  for (const s of summary) console.log(`${s.bench.padEnd(width)}  ${s.status.padEnd(16)}  ${s.detail}`);
  console.log(`\nresults in ${path.relative(process.cwd(), results) || results}/`);
  if (summary.some((s) => s.status.startsWith('failed'))) process.exitCode = 1;
}

main();
