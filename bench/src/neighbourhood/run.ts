/** One simulation run against a gateway: onboarding, the market's intervals, audit, summary. */
import { ApiClient } from '../core/api-client';
import { addDays, DEFAULT_START, intervalName } from '../core/intervals';
import { ledgerCounters, parsePrometheus, type LedgerCounters } from '../core/prometheus';
import { MarketDriver, type IntervalOutcome } from './market';
import { planNeighbourhood, type Mechanism } from './model';
import { onboardNeighbourhood, staffLogin } from './onboard';
import { collectMoneyFlows, summarise, type AuditResult, type SimulationSummary } from './report';

export interface SimulationOptions {
  baseUrl: string;
  households: number;
  intervals: number;
  seed: number;
  zones: number;
  mechanism: Mechanism;
  concurrency: number;
  pipelined: boolean;
  /** Operator-clock start; by default the fixed start, or the first unused day on a shared gateway. */
  start?: string;
  /** Keeps records of this run apart from earlier runs on the same ledger. */
  shared: boolean;
  log: (line: string) => void;
  /** Print every n-th interval's outcome (0 = never). */
  progressEvery?: number;
}

export interface SimulationRun {
  summary: SimulationSummary;
  audit: AuditResult;
  start: string;
  wallTimeMs: Record<string, number>;
  outcomes: IntervalOutcome[];
  /** The gateway's conflict counters over the market phase, if it serves /metrics. */
  ledgerCounters: { before: LedgerCounters; after: LedgerCounters } | null;
}

async function counters(api: ApiClient): Promise<LedgerCounters | null> {
  try {
    return ledgerCounters(parsePrometheus(await api.getText('/metrics')));
  } catch {
    return null;
  }
}

export async function runSimulation(o: SimulationOptions): Promise<SimulationRun> {
  const timings: Record<string, number> = {};
  const runTag = o.shared ? `r${Date.now().toString(36)}` : `s${o.seed}`;
  const plan = planNeighbourhood({ seed: o.seed, households: o.households, zones: o.zones, mechanism: o.mechanism, idPrefix: o.shared ? `${runTag}-` : '' });
  const api = new ApiClient(o.baseUrl);

  const t1 = performance.now();
  const tokens = await staffLogin(api);
  o.log(`onboarding ${o.households} households in ${plan.market.zones.length} zones through ${o.baseUrl} …`);
  const config = await onboardNeighbourhood(api, tokens, plan, o.concurrency, runTag, (done, total) => o.log(`  onboarded ${done}/${total}`));
  timings.onboarding = performance.now() - t1;

  const secs = plan.market.intervalSeconds;
  const start = o.start ?? (o.shared ? await freshDay(api, tokens.utilityAdmin, secs) : DEFAULT_START);
  o.log(`trading ${o.intervals} intervals from ${start} (operator clock, ${o.mechanism}, ${o.pipelined ? 'pipelined' : 'sequential'}) …`);
  const before = await counters(api);
  const t2 = performance.now();
  const every = o.progressEvery ?? 4;
  const driver = new MarketDriver(api, tokens, plan, config, {
    start,
    intervals: o.intervals,
    concurrency: o.concurrency,
    pipelined: o.pipelined,
    runTag,
    onInterval: (out, i) => {
      if (every > 0 && ((i + 1) % every === 0 || i === o.intervals - 1)) {
        o.log(`  ${out.interval}  orders ${out.orders}  traded ${out.tradedWh} Wh  price ${out.clearingPrice ?? '–'}  (${i + 1}/${o.intervals}, ${((performance.now() - t2) / 1000).toFixed(1)} s)`);
      }
    },
  });
  const outcomes = await driver.run();
  timings.market = performance.now() - t2;
  const after = await counters(api);

  const t3 = performance.now();
  const audit = await auditRange(api, tokens.utilityAdmin, start, o.intervals, secs);
  const flows = await collectMoneyFlows(api, plan, tokens, o.concurrency).catch((err: Error) => {
    o.log(`money flows not collected: ${err.message}`);
    return [];
  });
  timings.audit = performance.now() - t3;

  return {
    summary: summarise(plan, outcomes, api.stats, flows, config),
    audit,
    start,
    wallTimeMs: timings,
    outcomes,
    ledgerCounters: before && after ? { before, after } : null,
  };
}

/** Intervals per audit query: a whole day of a large neighbourhood can outlast the app's evaluate deadline. */
const AUDIT_CHUNK = 16;

/**
 * The conservation audit over the run's intervals, asked in chunks and combined. A chunk that
 * cannot be audited makes the result not ok, with the reason among the problems.
 */
export async function auditRange(api: ApiClient, token: string, start: string, intervals: number, secs: number): Promise<AuditResult> {
  const total: AuditResult = { ok: true, intervals: 0, energyImbalanceWh: 0, moneyImbalance: 0, problems: [] };
  for (let first = 0; first < intervals; first += AUDIT_CHUNK) {
    const from = intervalName(start, first, secs);
    const to = intervalName(start, Math.min(intervals, first + AUDIT_CHUNK) - 1, secs);
    try {
      const part = await api.get<AuditResult>(`/v1/audit/conservation?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { token });
      total.ok &&= part.ok;
      total.intervals += part.intervals;
      total.energyImbalanceWh += part.energyImbalanceWh;
      total.moneyImbalance += part.moneyImbalance;
      total.problems.push(...part.problems);
    } catch (err) {
      total.ok = false;
      total.problems.push(`audit of ${from}..${to} failed: ${(err as Error).message}`);
    }
  }
  return total;
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
