import pino from 'pino';
import { HttpError } from '../src/http-error';
import type { Ledger } from '../src/fabric/ledger';
import { OperatorScheduler } from '../src/operator/scheduler';

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
  expect(report).toEqual({ clock: 'operator', cleared: [], settled: [] });
  expect(submitted).toEqual([]);
});
