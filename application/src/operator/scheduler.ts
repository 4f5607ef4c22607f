import type { FastifyBaseLogger } from 'fastify';
import { HttpError } from '../http-error';
import type { Ledger } from '../fabric/ledger';
import { SchedulerCheckpointFile } from './checkpoint';

export type SchedulerStep = 'GetInterval' | 'ClearInterval' | 'SettleInterval';

/** Where the scheduler reports what operators watch: failed steps and the settlement backlog. */
export interface SchedulerObserver {
  operatorStepFailed(step: SchedulerStep, code: string): void;
  /** Intervals older than the lookback window that are not yet known settled. */
  operatorBacklog(intervals: number): void;
}

export interface SchedulerOptions {
  tickMs: number;
  /** Seconds after an interval's end before settling it, so that its meter readings are in. */
  settleGraceSeconds: number;
  /** How many past intervals each tick looks at, besides the catch-up below. */
  lookbackIntervals?: number;
  /** Most intervals older than the lookback window that one tick looks at while catching up. */
  catchUpPerTick?: number;
  /** Longest wait before a failing interval's step is tried again. */
  maxBackoffMs?: number;
  /** File keeping the oldest interval not yet known settled, to catch up from after a restart. */
  checkpointFile?: string;
  observer?: SchedulerObserver;
}

export interface StepFailure {
  interval: string;
  step: SchedulerStep;
  code: string;
}

export interface TickReport {
  clock: 'wall' | 'operator';
  cleared: string[];
  settled: string[];
  failed: StepFailure[];
}

/** Outcomes that mean another operator (or an earlier tick) already did the step. */
const ALREADY_DONE = new Set(['INTERVAL_NOT_OPEN', 'ALREADY_SETTLED', 'CONFLICT']);
const DEFAULT_LOOKBACK = 8;
const DEFAULT_CATCH_UP_PER_TICK = 32;
const DEFAULT_MAX_BACKOFF_MS = 5 * 60_000;

/** Names an interval by its UTC start, to the second. */
export const intervalName = (startMs: number): string => new Date(startMs).toISOString().replace(/\.\d{3}Z$/, 'Z');

const errorCode = (err: unknown): string =>
  err instanceof HttpError ? err.code : typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'UNEXPECTED';

interface Backoff {
  failures: number;
  retryAtMs: number;
}

/**
 * The market operator's scheduler, acting as the utility: under the `wall` clock it clears each
 * interval at its gate closure (its start; clearing closes it first) and settles it once its
 * readings are due. Under the `operator` clock it stays idle and leaves time to the operator.
 *
 * Each interval is handled on its own: a failing step is logged, counted and tried again on a
 * later tick after a per-interval backoff, while the other intervals go on. The oldest interval
 * not yet known settled is kept in a checkpoint, so that after an outage longer than the lookback
 * window the scheduler catches up from there, a bounded number of intervals per tick.
 */
export class OperatorScheduler {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  readonly #checkpointFile: SchedulerCheckpointFile | undefined;
  #loaded = false;
  /** Interval length the position below refers to. */
  #lengthMs: number | undefined;
  /** Start of the oldest interval not yet known settled. */
  #oldestUnsettledMs: number | undefined;
  #savedOldestUnsettledMs: number | undefined;
  /** Intervals at or after the checkpoint seen settled, which later ticks need not read again. */
  readonly #knownSettled = new Set<number>();
  /** Next interval older than the lookback window to look at while catching up. */
  #catchUpCursorMs: number | undefined;
  readonly #backoff = new Map<number, Backoff>();

  constructor(
    private readonly ledger: Ledger,
    private readonly userId: string,
    private readonly log: FastifyBaseLogger,
    private readonly options: SchedulerOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.#checkpointFile = options.checkpointFile ? new SchedulerCheckpointFile(options.checkpointFile) : undefined;
  }

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
    const report: TickReport = { clock: config.clock, cleared: [], settled: [], failed: [] };
    if (config.clock !== 'wall') return report;
    const length = config.intervalSeconds * 1000;
    const now = this.now();
    const current = Math.floor(now / length) * length;
    const windowStart = current - (this.options.lookbackIntervals ?? DEFAULT_LOOKBACK) * length;
    let oldest = await this.#position(length, current, windowStart);

    const due: number[] = [];
    if (oldest < windowStart) {
      // Catching up after an outage: a bounded slice of the backlog per tick, oldest first, in
      // passes that start again from the checkpoint once they reach the lookback window.
      let cursor = this.#catchUpCursorMs ?? oldest;
      if (cursor < oldest || cursor >= windowStart) cursor = oldest;
      for (let n = 0; n < (this.options.catchUpPerTick ?? DEFAULT_CATCH_UP_PER_TICK) && cursor < windowStart; n++, cursor += length) {
        if (!this.#knownSettled.has(cursor)) due.push(cursor);
      }
      this.#catchUpCursorMs = cursor;
      this.log.info(
        { from: intervalName(oldest), behind: (windowStart - oldest) / length, looking: due.length },
        'operator scheduler catching up on intervals older than its lookback window',
      );
    }
    for (let start = Math.max(oldest, windowStart); start <= current; start += length) {
      if (!this.#knownSettled.has(start)) due.push(start);
    }
    for (const start of due) await this.#visit(start, length, now, report);

    while (oldest <= current && this.#knownSettled.delete(oldest)) oldest += length;
    this.#oldestUnsettledMs = oldest;
    this.options.observer?.operatorBacklog(Math.max(0, (windowStart - oldest) / length));
    await this.#saveCheckpoint(config.intervalSeconds);
    return report;
  }

  /** The oldest interval to look at: the checkpoint, else the start of the lookback window. */
  async #position(length: number, current: number, windowStart: number): Promise<number> {
    if (!this.#loaded) {
      this.#loaded = true;
      const stored = await this.#checkpointFile?.load().catch((err: unknown) => {
        this.log.warn({ err, file: this.#checkpointFile?.file }, 'operator checkpoint unreadable; starting from the lookback window');
        return undefined;
      });
      if (stored && stored.intervalSeconds * 1000 === length && stored.oldestUnsettledMs % length === 0) {
        this.#lengthMs = length;
        this.#oldestUnsettledMs = this.#savedOldestUnsettledMs = stored.oldestUnsettledMs;
      } else if (stored) {
        this.log.warn({ stored: intervalName(stored.oldestUnsettledMs), intervalSeconds: stored.intervalSeconds }, 'operator checkpoint is for another interval length; starting from the lookback window');
      }
    }
    if (this.#lengthMs !== length) {
      // A new interval length names other intervals: nothing known so far applies.
      this.#lengthMs = length;
      this.#oldestUnsettledMs = undefined;
      this.#knownSettled.clear();
      this.#backoff.clear();
      this.#catchUpCursorMs = undefined;
    }
    if (this.#oldestUnsettledMs === undefined || this.#oldestUnsettledMs > current) this.#oldestUnsettledMs = windowStart;
    return this.#oldestUnsettledMs;
  }

  async #saveCheckpoint(intervalSeconds: number): Promise<void> {
    const oldestUnsettledMs = this.#oldestUnsettledMs;
    if (!this.#checkpointFile || oldestUnsettledMs === undefined || oldestUnsettledMs === this.#savedOldestUnsettledMs) return;
    try {
      await this.#checkpointFile.save({ oldestUnsettledMs, intervalSeconds });
      this.#savedOldestUnsettledMs = oldestUnsettledMs;
    } catch (err) {
      this.log.warn({ err, file: this.#checkpointFile.file }, 'operator checkpoint not saved');
    }
  }

  /** Reads one interval's status and takes its next step if it is due; failures stay here. */
  async #visit(start: number, length: number, now: number, report: TickReport): Promise<void> {
    const backoff = this.#backoff.get(start);
    if (backoff && backoff.retryAtMs > now) return;
    const interval = intervalName(start);
    let status: string;
    try {
      ({ status } = await this.ledger.evaluate<{ status: string }>(this.userId, 'market', 'GetInterval', { args: [interval] }));
    } catch (err) {
      this.#failed(start, 'GetInterval', err, now, report);
      return;
    }
    if (status === 'SETTLED') {
      this.#knownSettled.add(start);
      this.#backoff.delete(start);
    } else if (status === 'OPEN' || status === 'CLOSED') {
      if (await this.#step('ClearInterval', start, now, report)) report.cleared.push(interval);
    } else if (status === 'CLEARED' && start + length + this.options.settleGraceSeconds * 1000 <= now) {
      if (await this.#step('SettleInterval', start, now, report)) report.settled.push(interval);
    }
  }

  /** True when this call did the step; false when it was already done or failed. */
  async #step(transaction: 'ClearInterval' | 'SettleInterval', start: number, now: number, report: TickReport): Promise<boolean> {
    const interval = intervalName(start);
    try {
      if (transaction === 'ClearInterval') await this.ledger.submit(this.userId, 'market', 'ClearInterval', { args: [interval] });
      else await this.ledger.submit(this.userId, 'settlement', 'SettleInterval', { args: [interval] });
      this.log.info({ interval, transaction }, 'operator step done');
      this.#backoff.delete(start);
      if (transaction === 'SettleInterval') this.#knownSettled.add(start);
      return true;
    } catch (err) {
      if (err instanceof HttpError && ALREADY_DONE.has(err.code)) {
        this.#backoff.delete(start);
        if (err.code === 'ALREADY_SETTLED') this.#knownSettled.add(start);
        return false;
      }
      this.#failed(start, transaction, err, now, report);
      return false;
    }
  }

  /** Logs and counts a failed step and puts the interval off: one tick, then twice as long each time. */
  #failed(start: number, step: SchedulerStep, err: unknown, now: number, report: TickReport): void {
    const interval = intervalName(start);
    const code = errorCode(err);
    const failures = (this.#backoff.get(start)?.failures ?? 0) + 1;
    const retryInMs = Math.min(this.options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS, this.options.tickMs * 2 ** Math.min(failures - 1, 30));
    this.#backoff.set(start, { failures, retryAtMs: now + retryInMs });
    report.failed.push({ interval, step, code });
    this.options.observer?.operatorStepFailed(step, code);
    this.log.warn({ err, interval, step, code, failures, retryInMs }, 'operator step failed; other intervals go on');
  }
}
