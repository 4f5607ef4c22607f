/**
 * The neighbourhood simulator.
 *
 *   npm run simulate -- --households 50 --hours 6 [--seed 7] [--zones 2]
 *                       [--mechanism pay-as-clear|pay-as-bid|sdr|rotate] [--url http://127.0.0.1:3000]
 *
 * Without --url it starts its own dev ledger and gateway app in a temporary directory; with --url
 * it drives a running gateway (dev login must be enabled there). Households are onboarded through
 * the API, trade from seeded PV and load profiles, and the operator closes, clears, reads and
 * settles every interval in operator clock. The run ends with the conservation audit and a report.
 */
import { ApiError } from './core/api-client';
import { parseArgs, UsageError } from './core/args';
import { writeResult } from './core/report-io';
import { MissingPieceError, startLocalStack, type LocalStack } from './core/stack';
import { MECHANISMS, type Mechanism } from './neighbourhood/model';
import { formatSummary } from './neighbourhood/report';
import { runSimulation } from './neighbourhood/run';

const USAGE =
  'usage: npm run simulate -- --households N --hours H [--seed S] [--zones Z] [--mechanism pay-as-clear|pay-as-bid|sdr|rotate] [--url URL] [--concurrency C] [--sequential] [--start ISO] [--app-child]';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), {
    households: 'number',
    hours: 'number',
    seed: 'number',
    zones: 'number',
    mechanism: 'string',
    url: 'string',
    concurrency: 'number',
    sequential: 'boolean',
    start: 'string',
    'app-child': 'boolean',
    help: 'boolean',
  });
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const households = (args.households as number | undefined) ?? 20;
  const hours = (args.hours as number | undefined) ?? 24;
  const mechanism = (args.mechanism as string | undefined) ?? 'pay-as-clear';
  if (!MECHANISMS.includes(mechanism as Mechanism)) throw new UsageError(`--mechanism must be one of ${MECHANISMS.join(', ')}`);
  if (households < 1 || hours < 1) throw new UsageError('--households and --hours must be at least 1');
  const start = args.start as string | undefined;
  if (start !== undefined && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(start)) throw new UsageError('--start must look like 2026-11-21T00:00:00Z');
  const url = args.url as string | undefined;
  const log = (line: string): void => console.log(line);

  const t0 = performance.now();
  let stack: LocalStack | null = null;
  const onSignal = (): void => void (stack ? stack.close() : Promise.resolve()).finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    if (!url) stack = await startLocalStack({ appMode: args['app-child'] ? 'child' : 'in-process', log });
    const startUp = performance.now() - t0;
    const run = await runSimulation({
      baseUrl: url ?? (stack as LocalStack).baseUrl,
      households,
      intervals: Math.round((hours * 3600) / 900),
      seed: (args.seed as number | undefined) ?? 1,
      zones: (args.zones as number | undefined) ?? 2,
      mechanism: mechanism as Mechanism,
      concurrency: (args.concurrency as number | undefined) ?? 16,
      pipelined: !args.sequential,
      start,
      shared: url !== undefined,
      log,
    });
    const wall = { 'start-up': startUp, ...run.wallTimeMs, total: performance.now() - t0 };
    console.log('\n' + formatSummary(run.summary, run.audit, wall));
    const file = writeResult('simulate', {
      options: { households, hours, seed: args.seed ?? 1, zones: args.zones ?? 2, mechanism, url: url ?? null, pipelined: !args.sequential, start: run.start },
      summary: run.summary,
      audit: run.audit,
      wallTimeMs: wall,
      ledgerCounters: run.ledgerCounters,
      intervals: run.outcomes,
    });
    console.log(`\nresult: ${file}`);
    if (!run.audit.ok) process.exitCode = 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    await stack?.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n${USAGE}`);
    process.exitCode = 2;
  } else if (err instanceof MissingPieceError) {
    console.error(`cannot simulate: ${err.message}`);
    process.exitCode = 3;
  } else if (err instanceof ApiError) {
    console.error(`simulation stopped: ${err.message}`);
    process.exitCode = 1;
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  }
});
