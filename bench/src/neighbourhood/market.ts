/**
 * Drives the market through its intervals in operator clock. For each interval the households
 * place orders from their forecasts; the operator then closes and clears it, submits the meters'
 * signed readings (the actual energy, which deviates from the forecast) and settles it.
 *
 * Pipelined (the default), the stages overlap as they would in production: while interval t+1
 * takes orders, interval t is cleared and read and interval t−1 is settled.
 */
import { ApiError, type ApiClient } from '../core/api-client';
import { dayIndex, intervalName, startHourOfDay } from '../core/intervals';
import { signReading } from '../core/meter-keys';
import { chunks, mapPool } from '../core/pool';
import { actualInterval, dayWeather, decideOrder, forecastInterval, meterReading, type DayWeather } from '../core/profiles';
import { mechanismFor, type NeighbourhoodPlan } from './model';
import type { MarketConfig, StaffTokens } from './onboard';

export interface IntervalOutcome {
  interval: string;
  mechanism: string;
  orders: number;
  buyOrderWh: number;
  sellOrderWh: number;
  clearingPrice: number | null;
  trades: number;
  tradedWh: number;
  meteredImportWh: number;
  meteredExportWh: number;
  settled: Record<string, unknown> | null;
  timingsMs: { place: number; clear: number; readings: number; settle: number };
}

export interface MarketRunOptions {
  start: string;
  intervals: number;
  concurrency: number;
  pipelined: boolean;
  runTag: string;
  readingsBatch?: number;
  onInterval?: (o: IntervalOutcome, index: number) => void;
}

interface ClearResult {
  interval: string;
  status: string;
  clearingPrice?: number | null;
  trades?: number;
  tradedWh?: number;
}

export class MarketDriver {
  private readonly weather = new Map<number, DayWeather>();
  readonly outcomes: IntervalOutcome[] = [];

  constructor(
    private readonly api: ApiClient,
    private readonly tokens: StaffTokens,
    private readonly plan: NeighbourhoodPlan,
    private readonly config: MarketConfig,
    private readonly options: MarketRunOptions,
  ) {}

  interval(index: number): string {
    return intervalName(this.options.start, index, this.plan.market.intervalSeconds);
  }

  async run(): Promise<IntervalOutcome[]> {
    const n = this.options.intervals;
    for (let i = 0; i < n; i++) this.outcomes.push(this.emptyOutcome(i));
    if (!this.options.pipelined) {
      for (let i = 0; i < n; i++) {
        await this.placeOrders(i);
        await this.closeAndClear(i);
        await this.submitReadings(i);
        await this.settle(i);
        this.options.onInterval?.(this.outcomes[i] as IntervalOutcome, i);
      }
      return this.outcomes;
    }
    // Step k: orders for k, clearing + readings for k−1, settlement for k−2, all at once.
    for (let k = 0; k < n + 2; k++) {
      const stages: Array<Promise<void>> = [];
      if (k < n) stages.push(this.placeOrders(k));
      if (k - 1 >= 0 && k - 1 < n) stages.push(this.closeAndClear(k - 1).then(() => this.submitReadings(k - 1)));
      if (k - 2 >= 0 && k - 2 < n) stages.push(this.settle(k - 2));
      await Promise.all(stages);
      if (k - 2 >= 0 && k - 2 < n) this.options.onInterval?.(this.outcomes[k - 2] as IntervalOutcome, k - 2);
    }
    return this.outcomes;
  }

  private emptyOutcome(i: number): IntervalOutcome {
    return {
      interval: this.interval(i),
      mechanism: mechanismFor(this.plan.market, i),
      orders: 0,
      buyOrderWh: 0,
      sellOrderWh: 0,
      clearingPrice: null,
      trades: 0,
      tradedWh: 0,
      meteredImportWh: 0,
      meteredExportWh: 0,
      settled: null,
      timingsMs: { place: 0, clear: 0, readings: 0, settle: 0 },
    };
  }

  private forecast(i: number, householdIndex: number) {
    const secs = this.plan.market.intervalSeconds;
    const day = dayIndex(i, secs);
    let w = this.weather.get(day);
    if (!w) {
      w = dayWeather(this.plan.seed, day);
      this.weather.set(day, w);
    }
    const h = this.plan.households[householdIndex];
    if (!h) throw new Error(`no household ${householdIndex}`);
    return forecastInterval(h.traits, w, startHourOfDay(this.options.start, i, secs), secs, this.plan.seed, i);
  }

  async placeOrders(i: number): Promise<void> {
    const outcome = this.outcomes[i] as IntervalOutcome;
    const started = performance.now();
    const tariffs = { feedInTariff: this.config.feedInTariff, retailTariff: this.config.retailTariff };
    await mapPool(this.plan.households, this.options.concurrency, async (h) => {
      const intent = decideOrder(this.plan.seed, h.traits, i, this.forecast(i, h.index), tariffs, this.plan.market.intervalSeconds);
      if (!intent) return;
      await this.api.post(
        '/v1/orders',
        { householdId: h.householdId, side: intent.side, interval: outcome.interval, energyWh: intent.energyWh, limitPrice: intent.limitPrice },
        { token: h.token, idempotencyKey: `${this.options.runTag}:order:${h.householdId}:${outcome.interval}` },
      );
      outcome.orders++;
      if (intent.side === 'buy') outcome.buyOrderWh += intent.energyWh;
      else outcome.sellOrderWh += intent.energyWh;
    });
    outcome.timingsMs.place = performance.now() - started;
  }

  async closeAndClear(i: number): Promise<void> {
    const outcome = this.outcomes[i] as IntervalOutcome;
    const operator = { token: this.tokens.utilityAdmin };
    const path = `/v1/market/intervals/${encodeURIComponent(outcome.interval)}`;
    const started = performance.now();
    if (this.plan.market.mechanism === 'rotate') {
      await this.api.put('/v1/market/config', { mechanism: outcome.mechanism }, operator);
    }
    // A retried close may find the interval already closed by its first attempt.
    await this.api.post(`${path}/close`, {}, { ...operator, acceptCodes: ['INTERVAL_NOT_OPEN'] });
    let result: ClearResult;
    try {
      result = await this.api.post<ClearResult>(`${path}/clear`, {}, operator);
    } catch (err) {
      // A retried clear may find the interval cleared by its first attempt: read what it fixed.
      if (!(err instanceof ApiError) || err.status !== 409) throw err;
      result = await this.api.get<ClearResult>(path, operator);
      if (result.status !== 'CLEARED' && result.status !== 'SETTLED') throw err;
    }
    outcome.clearingPrice = result.clearingPrice ?? null;
    outcome.trades = result.trades ?? 0;
    outcome.tradedWh = result.tradedWh ?? 0;
    outcome.timingsMs.clear = performance.now() - started;
  }

  async submitReadings(i: number): Promise<void> {
    const outcome = this.outcomes[i] as IntervalOutcome;
    const started = performance.now();
    const readings = this.plan.households.map((h) => {
      const actual = actualInterval(this.plan.seed, h.traits, i, this.forecast(i, h.index));
      const values = meterReading(actual);
      outcome.meteredImportWh += values.importWh;
      outcome.meteredExportWh += values.exportWh;
      return signReading(h.meterKey, { meterId: h.meterId, interval: outcome.interval, ...values });
    });
    const batches = chunks(readings, this.options.readingsBatch ?? 250);
    await mapPool(batches, 4, async (batch, b) => {
      await this.api.post(
        '/v1/meter-readings',
        { readings: batch },
        { token: this.tokens.utilityAdmin, idempotencyKey: `${this.options.runTag}:readings:${outcome.interval}:${b}` },
      );
    });
    outcome.timingsMs.readings = performance.now() - started;
  }

  async settle(i: number): Promise<void> {
    const outcome = this.outcomes[i] as IntervalOutcome;
    const started = performance.now();
    outcome.settled = await this.api.post<Record<string, unknown>>(
      `/v1/market/intervals/${encodeURIComponent(outcome.interval)}/settle`,
      {},
      { token: this.tokens.utilityAdmin, acceptCodes: ['ALREADY_SETTLED'] },
    );
    outcome.timingsMs.settle = performance.now() - started;
  }
}
