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
import { ApiClient } from './core/api-client';
import { parseArgs, UsageError } from './core/args';
import { addDays, DEFAULT_START, intervalName } from './core/intervals';
import { MissingPieceError, startLocalStack, type LocalStack } from './core/stack';
import { writeResult } from './core/report-io';
import { MarketDriver } from './neighbourhood/market';
import { MECHANISMS, planNeighbourhood, type Mechanism } from './neighbourhood/model';
import { onboardNeighbourhood, staffLogin } from './neighbourhood/onboard';
import { collectMoneyFlows, formatSummary, summarise, type AuditResult } from './neighbourhood/report';

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
  const seed = (args.seed as number | undefined) ?? 1;
  const url = args.url as string | undefined;
  const log = (line: string): void => console.log(line);

  const timings: Record<string, number> = {};
  const t0 = performance.now();
  let stack: LocalStack | null = null;
  let onSignal: (() => void) | null = null;
  try {
    if (!url) {
      stack = await startLocalStack({ appMode: args['app-child'] ? 'child' : 'in-process', log });
      const s = stack;
      onSignal = () => void s.close().finally(() => process.exit(130));
      process.once('SIGINT', onSignal);
    }
    const baseUrl = url ?? (stack as LocalStack).baseUrl;
    timings['start-up'] = performance.now() - t0;

    // On a shared gateway, keep this run's records apart from earlier ones.
    const runTag = url ? `r${Date.now().toString(36)}` : `s${seed}`;
    const plan = planNeighbourhood({
      seed,
      households,
      zones: (args.zones as number | undefined) ?? 2,
      mechanism: mechanism as Mechanism,
      idPrefix: url ? `${runTag}-` : '',
    });
    const api = new ApiClient(baseUrl);
    const concurrency = (args.concurrency as number | undefined) ?? 16;

    const t1 = performance.now();
    const tokens = await staffLogin(api);
    log(`onboarding ${households} households in ${plan.market.zones.length} zones through ${baseUrl} …`);
    const config = await onboardNeighbourhood(api, tokens, plan, concurrency, runTag, (done, total) => log(`  onboarded ${done}/${total}`));
    timings.onboarding = performance.now() - t1;

    const intervalSeconds = plan.market.intervalSeconds;
    const intervals = Math.round((hours * 3600) / intervalSeconds);
    const start = (args.start as string | undefined) ?? (url ? await freshDay(api, tokens.utilityAdmin, intervalSeconds) : DEFAULT_START);
    log(`trading ${intervals} intervals from ${start} (operator clock, ${mechanism}${args.sequential ? ', sequential' : ', pipelined'}) …`);
    const t2 = performance.now();
    const driver = new MarketDriver(api, tokens, plan, config, {
      start,
      intervals,
      concurrency,
      pipelined: !args.sequential,
      runTag,
      onInterval: (o, i) => {
        if ((i + 1) % 4 === 0 || i === intervals - 1) {
          log(`  ${o.interval}  orders ${o.orders}  traded ${o.tradedWh} Wh  price ${o.clearingPrice ?? '–'}  (${i + 1}/${intervals})`);
        }
      },
    });
    const outcomes = await driver.run();
    timings.market = performance.now() - t2;

    const t3 = performance.now();
    const from = intervalName(start, 0, intervalSeconds);
    const to = intervalName(start, intervals - 1, intervalSeconds);
    const audit = await api.get<AuditResult>(`/v1/audit/conservation?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, {
      token: tokens.utilityAdmin,
    });
    const flows = await collectMoneyFlows(api, plan, tokens, concurrency);
    timings.audit = performance.now() - t3;
    timings.total = performance.now() - t0;

    const summary = summarise(plan, outcomes, api.stats, flows, config);
    console.log('\n' + formatSummary(summary, audit, timings));
    const file = writeResult('simulate', {
      options: { households, hours, seed, zones: plan.market.zones.length, mechanism, url: url ?? null, concurrency, pipelined: !args.sequential, start },
      summary: { ...summary },
      audit,
      wallTimeMs: timings,
      intervals: outcomes,
    });
    console.log(`\nresult: ${file}`);
    if (!audit.ok) process.exitCode = 1;
  } finally {
    if (onSignal) process.removeListener('SIGINT', onSignal);
    await stack?.close();
  }
}

/** First day, from the fixed start, whose first interval the ledger has not seen yet. */
async function freshDay(api: ApiClient, token: string, intervalSeconds: number): Promise<string> {
  for (let day = 0; day < 3650; day++) {
    const start = addDays(DEFAULT_START, day);
    try {
      const iv = await api.get<{ status: string; buyWh?: number; sellWh?: number }>(
        `/v1/market/intervals/${encodeURIComponent(intervalName(start, 0, intervalSeconds))}`,
        { token },
      );
      if (iv.status === 'OPEN' && !iv.buyWh && !iv.sellWh) return start;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return start;
      throw err;
    }
  }
  throw new Error('no fresh day found in ten years of operator clock');
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n${USAGE}`);
    process.exitCode = 2;
  } else if (err instanceof MissingPieceError) {
    console.error(`cannot simulate: ${err.message}`);
    process.exitCode = 3;
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  }
});
