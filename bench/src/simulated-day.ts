/**
 * A simulated day on the dev ledger: 500 households × 96 quarter-hour intervals, with order
 * placement, clearing (+ meter readings) and settlement running concurrently — orders for t+1
 * while t is cleared and t−1 settled. Reports wall time, the ledger conflict rate and retries (from
 * the gateway's /metrics), whether every request succeeded, and the conservation audit.
 *
 *   node bench/dist/simulated-day.js [--households 500] [--intervals 96] [--concurrency 64] [--url URL]
 */
import { parseArgs } from './core/args';
import { conflictRate, diffCounters } from './core/prometheus';
import { fmt, table, writeResult } from './core/report-io';
import { MissingPieceError, onInterrupt, startLocalStack, type LocalStack } from './core/stack';
import { runSimulation } from './neighbourhood/run';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { households: 'number', intervals: 'number', concurrency: 'number', url: 'string', seed: 'number' });
  const households = (args.households as number | undefined) ?? 500;
  const intervals = (args.intervals as number | undefined) ?? 96;
  const concurrency = (args.concurrency as number | undefined) ?? 64;
  const url = args.url as string | undefined;
  const log = (line: string): void => console.log(line);

  let stack: LocalStack | null = null;
  const removeInterrupt = onInterrupt(async () => stack?.close());
  try {
    if (!url) stack = await startLocalStack({ appMode: 'child', log: (l) => (l.startsWith('[app]') ? undefined : log(l)) });
    const run = await runSimulation({
      baseUrl: url ?? (stack as LocalStack).baseUrl,
      households,
      intervals,
      seed: (args.seed as number | undefined) ?? 2026,
      zones: 4,
      mechanism: 'pay-as-clear',
      concurrency,
      pipelined: true,
      shared: url !== undefined,
      log,
      progressEvery: 8,
    });
    const s = run.summary;
    const ledger = run.ledgerCounters ? diffCounters(run.ledgerCounters.before, run.ledgerCounters.after) : null;
    const rate = ledger ? conflictRate(ledger) : NaN;
    const failed = Object.values(s.requests.failures).reduce((a, b) => a + b, 0);
    const marketMs = run.wallTimeMs.market ?? NaN;
    const targets = {
      conflictsUnder1Percent: ledger ? rate < 0.01 : null,
      everyRequestSucceeded: failed === 0,
      marketPhaseUnder5Minutes: marketMs < 300_000,
      auditOk: run.audit.ok,
    };
    console.log(`\nSimulated day (${households} households × ${intervals} intervals, pipelined, dev ledger)`);
    console.log(
      table(
        ['measure', 'value'],
        [
          ['wall time, market phase', fmt.s(marketMs)],
          ['wall time, onboarding', fmt.s(run.wallTimeMs.onboarding ?? NaN)],
          ['orders placed', s.orders],
          ['HTTP requests', s.requests.total],
          ['ledger submits (app)', ledger ? ledger.submits : '– (no /metrics)'],
          ['conflicted attempts (app retried)', ledger ? ledger.conflictRetries : '–'],
          ['conflicts given up (409)', ledger ? ledger.conflictFailures : '–'],
          ['conflict rate', fmt.pct(rate)],
          ['conflicts by transaction', ledger ? JSON.stringify(ledger.byTransaction) : '–'],
          ['client retries (409/503/429)', s.requests.retries],
          ['failed requests', failed === 0 ? 0 : JSON.stringify(s.requests.failures)],
          ['request latency p50 / p99', `${fmt.ms(s.requests.p50Ms)} / ${fmt.ms(s.requests.p99Ms)}`],
          ['traded energy', `${(s.tradedWh / 1000).toFixed(1)} kWh in ${s.trades} trades`],
          ['conservation audit', run.audit.ok ? `OK (${run.audit.intervals} intervals)` : `FAILED ${JSON.stringify(run.audit.problems).slice(0, 300)}`],
        ],
      ),
    );
    console.log(`targets: ${Object.entries(targets).map(([k, v]) => `${k} ${v === null ? 'n/a' : v ? 'met' : 'NOT met'}`).join(', ')}`);
    const file = writeResult('simulated-day', {
      ledger: url ? `gateway at ${url}` : 'devledger',
      households,
      intervals,
      concurrency,
      wallTimeMs: run.wallTimeMs,
      ledgerCounters: ledger,
      conflictRate: Number.isFinite(rate) ? rate : null,
      requests: s.requests,
      orders: s.orders,
      tradedWh: s.tradedWh,
      trades: s.trades,
      audit: run.audit,
      targets,
      perIntervalTimingsMs: run.outcomes.map((o) => ({ interval: o.interval, orders: o.orders, ...o.timingsMs })),
    });
    console.log(`result: ${file}`);
  } finally {
    removeInterrupt();
    await stack?.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof MissingPieceError) {
    console.error(`SKIP simulated-day benchmark: ${err.message}`);
    writeResult('simulated-day', { skipped: true, reason: err.message });
    process.exitCode = 3;
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  }
});
