import type { FastifyBaseLogger } from 'fastify';
import { HttpError } from '../http-error';
import type { Ledger } from '../fabric/ledger';

export interface SchedulerOptions {
  tickMs: number;
  /** Seconds after an interval's end before settling it, so that its meter readings are in. */
  settleGraceSeconds: number;
  /** How many past intervals each tick looks at (catches up after a restart). */
  lookbackIntervals?: number;
}

export interface TickReport {
  clock: 'wall' | 'operator';
  cleared: string[];
  settled: string[];
}

/** Outcomes that mean another operator (or an earlier tick) already did the step. */
const ALREADY_DONE = new Set(['INTERVAL_NOT_OPEN', 'ALREADY_SETTLED', 'CONFLICT']);

/** Names an interval by its UTC start, to the second. */
export const intervalName = (startMs: number): string => new Date(startMs).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The market operator's scheduler, acting as the utility: under the `wall` clock it clears each
 * interval at its gate closure (its start; clearing closes it first) and settles it once its
 * readings are due. Under the `operator` clock it stays idle and leaves time to the operator.
 */
export class OperatorScheduler {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(
    private readonly ledger: Ledger,
    private readonly userId: string,
    private readonly log: FastifyBaseLogger,
    private readonly options: SchedulerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = this.tick()
        .catch((err: unknown) => this.log.warn({ err }, 'operator tick failed'))
        .finally(() => (this.#running = undefined));
    }, this.options.tickMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  async tick(): Promise<TickReport> {
    const config = await this.ledger.evaluate<{ clock: 'wall' | 'operator'; intervalSeconds: number }>(this.userId, 'market', 'GetMarketConfig');
    const report: TickReport = { clock: config.clock, cleared: [], settled: [] };
    if (config.clock !== 'wall') return report;
    const length = config.intervalSeconds * 1000;
    const now = this.now();
    const current = Math.floor(now / length) * length;
    const lookback = this.options.lookbackIntervals ?? 8;
    for (let start = current - lookback * length; start <= current; start += length) {
      const interval = intervalName(start);
      const { status } = await this.ledger.evaluate<{ status: string }>(this.userId, 'market', 'GetInterval', { args: [interval] });
      if ((status === 'OPEN' || status === 'CLOSED') && start <= now) {
        if (await this.#step('market', 'ClearInterval', interval)) report.cleared.push(interval);
      } else if (status === 'CLEARED' && start + length + this.options.settleGraceSeconds * 1000 <= now) {
        if (await this.#step('settlement', 'SettleInterval', interval)) report.settled.push(interval);
      }
    }
    return report;
  }

  async #step(contract: 'market' | 'settlement', transaction: 'ClearInterval' | 'SettleInterval', interval: string): Promise<boolean> {
    try {
      if (contract === 'market') await this.ledger.submit(this.userId, 'market', 'ClearInterval', { args: [interval] });
      else await this.ledger.submit(this.userId, 'settlement', 'SettleInterval', { args: [interval] });
      this.log.info({ interval, transaction }, 'operator step done');
      return true;
    } catch (err) {
      if (err instanceof HttpError && ALREADY_DONE.has(err.code)) return false;
      throw err;
    }
  }
}
