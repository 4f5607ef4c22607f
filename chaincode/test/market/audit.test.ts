import { checkConservation, clearInterval, settleInterval, type AuditedInterval } from '../../src/market';
import { bid, offer, params } from './fixtures';

const I = '2026-11-21T10:15:00Z';

function settledInterval(): AuditedInterval {
  const marketParams = params({ zones: [{ zone: 'B', transferLimitWh: 300 }] });
  const cleared = clearInterval(
    I,
    [
      bid(400, 2800, { householdId: 'h1', zone: 'A' }),
      bid(500, 2200, { householdId: 'h2', zone: 'A' }),
      offer(200, 1000, { householdId: 'h3', zone: 'A', meterId: 'm3' }),
      offer(600, 1500, { householdId: 'h4', zone: 'B', meterId: 'm4' }),
    ],
    marketParams,
  );
  const settled = settleInterval({
    interval: I,
    trades: cleared.trades,
    meters: ['1', '2', '3', '4'].map((n) => ({ meterId: `m${n}`, householdId: `h${n}`, zone: n === '4' ? 'B' : 'A' })),
    readings: { m1: { importWh: 450, exportWh: 0 }, m3: { importWh: 0, exportWh: 150 }, m4: { importWh: 0, exportWh: 700 } },
    params: marketParams,
    retailerAccountOf: { h1: 'retailer:R', h2: 'retailer:R', h3: 'retailer:R', h4: 'retailer:R' },
  });
  return {
    interval: I,
    trades: cleared.trades,
    transfers: settled.transfers,
    zones: marketParams.zones,
    tradedWh: cleared.tradedWh,
    certificates: settled.certificates,
    balanceChanges: settled.netByAccount,
  };
}

describe('checkConservation', () => {
  it('passes a cleared and settled interval', () => {
    const audited = settledInterval();
    expect(audited.trades.length).toBeGreaterThan(1);
    expect(checkConservation([audited])).toEqual({ ok: true, intervals: 1, energyImbalanceWh: 0, moneyImbalance: 0, problems: [] });
  });

  it('reports energy that the recorded total does not account for', () => {
    const audited = { ...settledInterval(), tradedWh: 1 };
    const report = checkConservation([audited]);
    expect(report.ok).toBe(false);
    expect(report.energyImbalanceWh).toBe(499);
    expect(report.problems).toEqual([`${I}: recorded tradedWh 1 but trades sum to 500`]);
  });

  it('reports balances that moved without a transfer, and money that does not sum to zero', () => {
    const audited = settledInterval();
    audited.balanceChanges = { ...audited.balanceChanges, utility: (audited.balanceChanges?.utility ?? 0) + 7 };
    const report = checkConservation([audited]);
    expect(report.moneyImbalance).toBe(7);
    expect(report.problems).toEqual([
      expect.stringMatching(/account utility changed by \d+, transfers say \d+/),
      `${I}: money does not sum to zero (7)`,
    ]);
  });

  it('reports mispaid trades, exports over the limit and over-certified energy', () => {
    const audited = settledInterval();
    const first = audited.transfers.findIndex((t) => t.kind === 'trade');
    audited.transfers[first] = { ...audited.transfers[first]!, amount: audited.transfers[first]!.amount + 1 };
    audited.zones = [{ zone: 'B', transferLimitWh: 100 }];
    audited.certificates = [{ ...audited.certificates![0]!, energyWh: 10_000 }];
    const report = checkConservation([audited]);
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/trade .*#\d+: trade paid \d+, expected \d+/);
    expect(report.problems.join('\n')).toMatch(/zone B exported 300 Wh over its limit 100 Wh/);
    expect(report.energyImbalanceWh).toBeGreaterThan(0);
  });
});
