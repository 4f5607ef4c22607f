import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { HttpError } from '../src/http-error';
import type { Ledger } from '../src/fabric/ledger';
import { OperatorScheduler } from '../src/operator/scheduler';
import { GatewayMetrics } from '../src/plugins/metrics';

/** A ledger stand-in that keeps interval statuses and records the operator's submissions. */
function fakeLedger(clock: 'wall' | 'operator', statuses: Record<string, string>) {
  const submitted: string[] = [];
  const ledger = {
    async evaluate(_user: string, _contract: string, transaction: string, inv?: { args?: string[] }) {
      if (transaction === 'GetMarketConfig') return { clock, intervalSeconds: 900 };
      return { status: statuses[inv!.args![0]!] ?? 'OPEN' };
    },
    async submit(_user: string, _contract: string, transaction: string, inv: { args: string[] }) {
      const interval = inv.args[0]!;
      submitted.push(`${transaction} ${interval}`);
      if (transaction === 'SettleInterval' && statuses[interval] === 'SETTLED') throw new HttpError(409, 'ALREADY_SETTLED', 'x');
      statuses[interval] = transaction === 'ClearInterval' ? 'CLEARED' : 'SETTLED';
      return {};
    },
  };
  return { ledger: ledger as unknown as Ledger, submitted };
}

const now = Date.UTC(2030, 0, 1, 12, 7, 30); // 12:07:30, inside the 12:00 interval
const log = pino({ level: 'silent' });

it('clears intervals at gate closure and settles them after the grace period, on the wall clock', async () => {
  const { ledger, submitted } = fakeLedger('wall', { '2030-01-01T11:30:00Z': 'CLEARED', '2030-01-01T11:45:00Z': 'CLEARED', '2030-01-01T11:15:00Z': 'SETTLED' });
  const scheduler = new OperatorScheduler(ledger, 'utility-admin', log, { tickMs: 1000, settleGraceSeconds: 120, lookbackIntervals: 4 }, () => now);
  const report = await scheduler.tick();
  // 11:30 ended 11:45 (+2 min grace) → settle; 11:45 ends 12:00 + 2 min = 12:02 ≤ 12:07:30 → settle;
  // 12:00 has started → clear; 11:00 was never cleared (OPEN) → clear.
  expect(report.settled).toEqual(['2030-01-01T11:30:00Z', '2030-01-01T11:45:00Z']);
  expect(report.cleared).toEqual(['2030-01-01T11:00:00Z', '2030-01-01T12:00:00Z']);
  expect(submitted).not.toContain('ClearInterval 2030-01-01T12:15:00Z');
  // The next tick has nothing new to do until 12:00 is due for settlement.
  const again = await scheduler.tick();
  expect(again.cleared).toEqual([]);
  expect(again.settled).toEqual(['2030-01-01T11:00:00Z']);
});

it('stays idle on the operator clock', async () => {
  const { ledger, submitted } = fakeLedger('operator', {});
  const report = await new OperatorScheduler(ledger, 'utility-admin', log, { tickMs: 1000, settleGraceSeconds: 120 }, () => now).tick();
  expect(report).toEqual({ clock: 'operator', cleared: [], settled: [], failed: [] });
  expect(submitted).toEqual([]);
});

/** A wall-clock ledger of `intervalSeconds` intervals whose steps may be made to fail. */
function failingLedger(intervalSeconds: number, statuses: Record<string, string>, failure: (transaction: string, interval: string) => Error | undefined) {
  const submitted: string[] = [];
  const ledger = {
    async evaluate(_user: string, _contract: string, transaction: string, inv?: { args?: string[] }) {
      if (transaction === 'GetMarketConfig') return { clock: 'wall', intervalSeconds };
      return { status: statuses[inv!.args![0]!] ?? 'OPEN' };
    },
    async submit(_user: string, _contract: string, transaction: string, inv: { args: string[] }) {
      const interval = inv.args[0]!;
      submitted.push(`${transaction} ${interval}`);
      const error = failure(transaction, interval);
      if (error) throw error;
      if (transaction === 'ClearInterval' && statuses[interval] !== undefined && statuses[interval] !== 'OPEN' && statuses[interval] !== 'CLOSED') {
        throw new HttpError(409, 'INTERVAL_NOT_OPEN', 'x');
      }
      if (transaction === 'SettleInterval' && statuses[interval] === 'SETTLED') throw new HttpError(409, 'ALREADY_SETTLED', 'x');
      statuses[interval] = transaction === 'ClearInterval' ? 'CLEARED' : 'SETTLED';
      return {};
    },
  };
  return { ledger: ledger as unknown as Ledger, submitted };
}

const MINUTE = 60_000;
const name = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('a failing step', () => {
  it('does not stop the other intervals: it is logged, counted and retried with a backoff', async () => {
    // 11:00 cannot be settled (a market rule refuses it, every time); 11:15 fails once with an
    // invalid transaction, then goes through.
    const statuses: Record<string, string> = { '2030-01-01T11:00:00Z': 'CLEARED', '2030-01-01T11:15:00Z': 'CLEARED', '2030-01-01T11:30:00Z': 'CLEARED', '2030-01-01T10:45:00Z': 'SETTLED' };
    let transientLeft = 1;
    const { ledger, submitted } = failingLedger(900, statuses, (transaction, interval) => {
      if (transaction === 'SettleInterval' && interval === '2030-01-01T11:00:00Z') return new HttpError(422, 'MARKET_RULE', 'refused');
      if (transaction === 'SettleInterval' && interval === '2030-01-01T11:15:00Z' && transientLeft-- > 0) return new HttpError(502, 'TRANSACTION_INVALID', 'x');
      return undefined;
    });
    const failures: string[] = [];
    const observer = { operatorStepFailed: (step: string, code: string) => failures.push(`${step} ${code}`), operatorBacklog: () => undefined };
    let clock = now;
    const scheduler = new OperatorScheduler(ledger, 'utility-admin', log, { tickMs: 1000, settleGraceSeconds: 120, lookbackIntervals: 4, observer }, () => clock);

    const first = await scheduler.tick();
    expect(first.settled).toEqual(['2030-01-01T11:30:00Z']);
    expect(first.cleared).toEqual(['2030-01-01T11:45:00Z', '2030-01-01T12:00:00Z']);
    expect(first.failed).toEqual([
      { interval: '2030-01-01T11:00:00Z', step: 'SettleInterval', code: 'MARKET_RULE' },
      { interval: '2030-01-01T11:15:00Z', step: 'SettleInterval', code: 'TRANSACTION_INVALID' },
    ]);
    expect(failures).toEqual(['SettleInterval MARKET_RULE', 'SettleInterval TRANSACTION_INVALID']);

    clock += 1000;
    const second = await scheduler.tick();
    expect(second.settled).toEqual(['2030-01-01T11:15:00Z', '2030-01-01T11:45:00Z']);

    // Ten more ticks, one second apart: the permanently failing interval is tried on ticks 1, 2,
    // 4 and 8 seconds after each failure (2^n backoff), not on each tick.
    for (let i = 0; i < 10; i++) {
      clock += 1000;
      await scheduler.tick();
    }
    const attempts = submitted.filter((s) => s === 'SettleInterval 2030-01-01T11:00:00Z').length;
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeLessThanOrEqual(5);
  });

  it('of reading an interval is handled like a failing step', async () => {
    const { ledger } = failingLedger(900, {}, () => undefined);
    const fake = ledger as unknown as { evaluate: (user: string, contract: string, transaction: string, inv?: { args?: string[] }) => Promise<unknown> };
    const evaluate = fake.evaluate.bind(fake);
    fake.evaluate = async (user, contract, transaction, inv) => {
      if (transaction === 'GetInterval' && inv?.args?.[0] === '2030-01-01T11:00:00Z') throw Object.assign(new Error('deadline'), { code: 'DEADLINE_EXCEEDED' });
      return evaluate(user, contract, transaction, inv);
    };
    const report = await new OperatorScheduler(ledger, 'utility-admin', log, { tickMs: 1000, settleGraceSeconds: 120, lookbackIntervals: 4 }, () => now).tick();
    expect(report.failed).toEqual([{ interval: '2030-01-01T11:00:00Z', step: 'GetInterval', code: 'DEADLINE_EXCEEDED' }]);
    expect(report.cleared).toContain('2030-01-01T12:00:00Z');
  });
});

it("counts failed steps and the backlog in the gateway's metrics", async () => {
  const metrics = new GatewayMetrics();
  const { ledger } = failingLedger(900, { '2030-01-01T11:00:00Z': 'CLEARED' }, (transaction, interval) =>
    transaction === 'SettleInterval' && interval === '2030-01-01T11:00:00Z' ? new HttpError(504, 'ENDORSE_TIMEOUT', 'deadline') : undefined,
  );
  let clock = now;
  const scheduler = new OperatorScheduler(ledger, 'utility-admin', log, { tickMs: 1000, settleGraceSeconds: 120, lookbackIntervals: 4, observer: metrics }, () => clock);
  await scheduler.tick();
  clock += 60 * MINUTE; // 11:00 has left the lookback window and is still unsettled
  await scheduler.tick();
  const text = await metrics.registry.metrics();
  expect(text).toMatch(/gridshare_operator_step_failures_total\{step="SettleInterval",code="ENDORSE_TIMEOUT"\} 2/);
  expect(text).toMatch(/gridshare_operator_backlog_intervals 4/);
});

describe('catching up', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gridshare-scheduler-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('settles every interval since the checkpoint after an outage longer than the lookback window, a bounded number per tick', async () => {
    const checkpointFile = path.join(dir, 'operator.checkpoint.json');
    const statuses: Record<string, string> = {};
    const { ledger, submitted } = failingLedger(900, statuses, () => undefined);
    const options = { tickMs: 1000, settleGraceSeconds: 120, lookbackIntervals: 4, catchUpPerTick: 5, checkpointFile };
    const before = Date.UTC(2030, 0, 1, 2, 7, 30); // 02:07:30
    const first = new OperatorScheduler(ledger, 'utility-admin', log, options, () => before);
    await first.tick();
    await first.tick();
    // Everything up to 01:45 is settled; 02:00 is cleared and waits for its readings.
    expect(statuses['2030-01-01T01:45:00Z']).toBe('SETTLED');
    expect(statuses['2030-01-01T02:00:00Z']).toBe('CLEARED');
    expect(JSON.parse(readFileSync(checkpointFile, 'utf8'))).toEqual({ oldestUnsettled: '2030-01-01T02:00:00Z', intervalSeconds: 900 });

    // Ten hours down. A new gateway resumes from the checkpoint, not from its lookback window.
    submitted.length = 0;
    let clock = Date.UTC(2030, 0, 1, 12, 7, 30);
    const after = new OperatorScheduler(ledger, 'utility-admin', log, options, () => clock);
    const report = await after.tick();
    // 5 from the backlog and the 5 intervals of the lookback window (11:00 to 12:00).
    expect(submitted.length).toBeLessThanOrEqual(10);
    expect(report.settled).toEqual(['2030-01-01T02:00:00Z']);
    expect(report.cleared).toEqual([
      '2030-01-01T02:15:00Z', '2030-01-01T02:30:00Z', '2030-01-01T02:45:00Z', '2030-01-01T03:00:00Z',
      '2030-01-01T11:00:00Z', '2030-01-01T11:15:00Z', '2030-01-01T11:30:00Z', '2030-01-01T11:45:00Z', '2030-01-01T12:00:00Z',
    ]);
    for (let i = 0; i < 40; i++) {
      clock += 1000;
      await after.tick();
    }
    for (let start = Date.UTC(2030, 0, 1, 2); start < Date.UTC(2030, 0, 1, 11, 45); start += 15 * MINUTE) {
      expect([name(start), statuses[name(start)]]).toEqual([name(start), 'SETTLED']);
    }
    expect(JSON.parse(readFileSync(checkpointFile, 'utf8'))).toEqual({ oldestUnsettled: '2030-01-01T12:00:00Z', intervalSeconds: 900 });
  });

  it('starts from the lookback window when the checkpoint is unreadable or for another interval length', async () => {
    const checkpointFile = path.join(dir, 'operator.checkpoint.json');
    for (const stored of ['{not json', JSON.stringify({ oldestUnsettled: '2030-01-01T02:00:00Z', intervalSeconds: 300 })]) {
      writeFileSync(checkpointFile, stored);
      const { ledger, submitted } = failingLedger(900, {}, () => undefined);
      await new OperatorScheduler(ledger, 'utility-admin', log, { tickMs: 1000, settleGraceSeconds: 120, lookbackIntervals: 4, checkpointFile }, () => now).tick();
      expect(submitted[0]).toBe('ClearInterval 2030-01-01T11:00:00Z');
      expect(JSON.parse(readFileSync(checkpointFile, 'utf8'))).toEqual({ oldestUnsettled: '2030-01-01T11:00:00Z', intervalSeconds: 900 });
    }
  });

  it('starts from the lookback window without a checkpoint, and keeps an old unsettled interval from holding the rest back', async () => {
    const checkpointFile = path.join(dir, 'operator.checkpoint.json');
    const statuses: Record<string, string> = { '2030-01-01T10:45:00Z': 'CLEARED' };
    const { ledger, submitted } = failingLedger(900, statuses, (transaction, interval) =>
      transaction === 'SettleInterval' && interval === '2030-01-01T11:00:00Z' ? new HttpError(422, 'MARKET_RULE', 'refused') : undefined,
    );
    let clock = now;
    const scheduler = new OperatorScheduler(ledger, 'utility-admin', log, { tickMs: 1000, settleGraceSeconds: 120, lookbackIntervals: 4, catchUpPerTick: 2, checkpointFile }, () => clock);
    await scheduler.tick();
    expect(submitted).not.toContain('SettleInterval 2030-01-01T10:45:00Z'); // before the window
    expect(JSON.parse(readFileSync(checkpointFile, 'utf8')).oldestUnsettled).toBe('2030-01-01T11:00:00Z');
    // Two hours on: 11:00 still cannot settle and holds the checkpoint; the rest settle anyway.
    clock += 2 * 60 * MINUTE;
    for (let i = 0; i < 30; i++) {
      clock += 1000;
      await scheduler.tick();
    }
    for (let start = Date.UTC(2030, 0, 1, 11, 15); start <= Date.UTC(2030, 0, 1, 13, 45); start += 15 * MINUTE) {
      expect([name(start), statuses[name(start)]]).toEqual([name(start), 'SETTLED']);
    }
    expect(statuses['2030-01-01T11:00:00Z']).toBe('CLEARED');
    expect(JSON.parse(readFileSync(checkpointFile, 'utf8')).oldestUnsettled).toBe('2030-01-01T11:00:00Z');
  });
});

it('settles intervals whose grace period is longer than the lookback window (60 s intervals, 600 s grace)', async () => {
  const statuses: Record<string, string> = {};
  const { ledger, submitted } = failingLedger(60, statuses, () => undefined);
  const start = Date.UTC(2030, 0, 1, 12, 0, 2);
  let clock = start;
  const scheduler = new OperatorScheduler(ledger, 'utility-admin', log, { tickMs: 5000, settleGraceSeconds: 600 }, () => clock);
  for (; clock < start + 40 * MINUTE; clock += 5000) await scheduler.tick();
  const settlements = submitted.filter((s) => s.startsWith('SettleInterval')).length;
  expect(settlements).toBeGreaterThanOrEqual(25);
  // Every interval that ended more than the grace period (and a tick) ago is settled.
  for (let t = start - 8 * MINUTE - 2000; t + MINUTE + 600_000 + 5000 < clock; t += MINUTE) expect([name(t), statuses[name(t)]]).toEqual([name(t), 'SETTLED']);
});
