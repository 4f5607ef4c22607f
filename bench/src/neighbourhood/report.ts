/** The end-of-run summary of a simulation: energy, prices, local share, money flows, requests. */
import type { ApiClient, RequestStats } from '../core/api-client';
import { mapPool } from '../core/pool';
import { fmt, percentile, table } from '../core/report-io';
import type { IntervalOutcome } from './market';
import type { NeighbourhoodPlan } from './model';
import type { MarketConfig, StaffTokens } from './onboard';

export interface AuditResult {
  ok: boolean;
  intervals: number;
  energyImbalanceWh: number;
  moneyImbalance: number;
  problems: unknown[];
}

export interface MoneyFlow {
  kind: string;
  entries: number;
  /** Sum of signed amounts, money units (positive = into households). */
  amount: number;
}

export interface SimulationSummary {
  households: number;
  intervals: number;
  orders: number;
  buyOrderWh: number;
  sellOrderWh: number;
  tradedWh: number;
  trades: number;
  clearingPrice: { min: number | null; avg: number | null; volumeWeightedAvg: number | null; max: number | null; intervalsWithPrice: number };
  meteredImportWh: number;
  meteredExportWh: number;
  /** Traded (locally sourced) energy as a share of metered household imports. */
  localShareOfDemand: number;
  moneyFlows: MoneyFlow[];
  moneyScale: number;
  requests: { total: number; retries: number; conflicts: number; unavailable: number; failures: Record<string, number>; p50Ms: number; p99Ms: number };
}

export function summarise(
  plan: NeighbourhoodPlan,
  outcomes: readonly IntervalOutcome[],
  stats: RequestStats,
  moneyFlows: MoneyFlow[],
  config: MarketConfig,
): SimulationSummary {
  const sum = (f: (o: IntervalOutcome) => number): number => outcomes.reduce((a, o) => a + f(o), 0);
  const priced = outcomes.filter((o) => o.clearingPrice !== null && o.tradedWh > 0);
  const prices = priced.map((o) => o.clearingPrice as number);
  const tradedWh = sum((o) => o.tradedWh);
  const meteredImportWh = sum((o) => o.meteredImportWh);
  return {
    households: plan.households.length,
    intervals: outcomes.length,
    orders: sum((o) => o.orders),
    buyOrderWh: sum((o) => o.buyOrderWh),
    sellOrderWh: sum((o) => o.sellOrderWh),
    tradedWh,
    trades: sum((o) => o.trades),
    clearingPrice: {
      min: prices.length ? Math.min(...prices) : null,
      avg: prices.length ? Math.round(prices.reduce((a, p) => a + p, 0) / prices.length) : null,
      volumeWeightedAvg: tradedWh > 0 ? Math.round(priced.reduce((a, o) => a + (o.clearingPrice as number) * o.tradedWh, 0) / tradedWh) : null,
      max: prices.length ? Math.max(...prices) : null,
      intervalsWithPrice: prices.length,
    },
    meteredImportWh,
    meteredExportWh: sum((o) => o.meteredExportWh),
    localShareOfDemand: meteredImportWh > 0 ? Math.min(1, tradedWh / meteredImportWh) : 0,
    moneyFlows,
    moneyScale: config.moneyScale,
    requests: {
      total: stats.requests,
      retries: stats.retries,
      conflicts: stats.conflicts,
      unavailable: stats.unavailable,
      failures: stats.failures,
      p50Ms: percentile(stats.latenciesMs, 50),
      p99Ms: percentile(stats.latenciesMs, 99),
    },
  };
}

/** Sums every household's statement entries by kind. */
export async function collectMoneyFlows(api: ApiClient, plan: NeighbourhoodPlan, tokens: StaffTokens, concurrency: number): Promise<MoneyFlow[]> {
  const byKind = new Map<string, MoneyFlow>();
  await mapPool(plan.households, concurrency, async (h) => {
    const { entries } = await api.get<{ entries: Array<{ kind: string; amount: number }> }>(
      `/v1/households/${encodeURIComponent(h.householdId)}/statement`,
      { token: tokens.retailerAdmin },
    );
    for (const e of entries) {
      const flow = byKind.get(e.kind) ?? { kind: e.kind, entries: 0, amount: 0 };
      flow.entries++;
      flow.amount += e.amount;
      byKind.set(e.kind, flow);
    }
  });
  return [...byKind.values()].sort((a, b) => a.kind.localeCompare(b.kind));
}

const kWh = (wh: number): string => `${(wh / 1000).toFixed(1)} kWh`;

export function formatSummary(s: SimulationSummary, audit: AuditResult | null, wallMs: Record<string, number>): string {
  const money = (units: number): string => (units / s.moneyScale).toFixed(4);
  const price = (p: number | null): string => (p === null ? '–' : `${p} (${money(p)}/kWh)`);
  const lines = [
    `Households ${s.households}, intervals ${s.intervals}, orders ${s.orders} (bids ${kWh(s.buyOrderWh)}, offers ${kWh(s.sellOrderWh)})`,
    `Traded energy     ${kWh(s.tradedWh)} in ${s.trades} trades`,
    `Clearing price    min ${price(s.clearingPrice.min)}, avg ${price(s.clearingPrice.avg)}, max ${price(s.clearingPrice.max)}, volume-weighted ${price(s.clearingPrice.volumeWeightedAvg)} over ${s.clearingPrice.intervalsWithPrice} intervals`,
    `Metered           import ${kWh(s.meteredImportWh)}, export ${kWh(s.meteredExportWh)}`,
    `Demand met locally ${fmt.pct(s.localShareOfDemand)} (traded ÷ metered import)`,
    '',
    'Money flows through household accounts (signed, currency units):',
    table(['kind', 'entries', 'amount'], s.moneyFlows.map((f) => [f.kind, f.entries, money(f.amount)])),
    '',
    `Requests          ${s.requests.total} (retries ${s.requests.retries}, conflicts ${s.requests.conflicts}, 503/transport ${s.requests.unavailable}, failed ${Object.values(s.requests.failures).reduce((a, b) => a + b, 0)}), p50 ${fmt.ms(s.requests.p50Ms)}, p99 ${fmt.ms(s.requests.p99Ms)}`,
    `Conservation audit ${audit ? (audit.ok ? 'OK' : 'FAILED') : 'not run'}${audit ? ` — ${audit.intervals} intervals, energy imbalance ${audit.energyImbalanceWh} Wh, money imbalance ${audit.moneyImbalance}${audit.problems.length ? `, problems: ${JSON.stringify(audit.problems).slice(0, 400)}` : ''}` : ''}`,
    `Wall time         ${Object.entries(wallMs).map(([k, v]) => `${k} ${fmt.s(v)}`).join(', ')}`,
  ];
  return lines.join('\n');
}
