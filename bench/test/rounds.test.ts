import { pathOrder, poolRounds, type PhaseResult } from '../src/core/rounds';

const phase = (path: string, round: number, over: Partial<PhaseResult>): PhaseResult => ({
  path,
  inFlight: 128,
  requests: 1000,
  seconds: 10,
  perSecond: 100,
  p50Ms: 500,
  p99Ms: 900,
  mvccConflicts: 0,
  phantomConflicts: 0,
  conflicts: 0,
  failed: 0,
  round,
  ...over,
});

test('paths run in the given order in even rounds and reversed in odd ones', () => {
  expect(pathOrder(['trivial', 'direct', 'app'], 0)).toEqual(['trivial', 'direct', 'app']);
  expect(pathOrder(['trivial', 'direct', 'app'], 1)).toEqual(['app', 'direct', 'trivial']);
  expect(pathOrder(['trivial', 'direct', 'app'], 2)).toEqual(['trivial', 'direct', 'app']);
});

test("a path's rounds pool into committed requests over total time, the slower round's latencies and summed CPU", () => {
  const cpu = (ms: number) => ({ seconds: 10, ms: { peer: ms, app: ms / 2 }, otherMs: 1, machineBusyMs: 3 * ms });
  const phases = [
    phase('app', 0, { seconds: 10, perSecond: 95, failed: 50, p50Ms: 600, p99Ms: 800, cpu: cpu(1000) }),
    phase('trivial', 0, { seconds: 5, perSecond: 200 }),
    phase('app', 1, { seconds: 5, perSecond: 200, p50Ms: 400, p99Ms: 1200, conflicts: 2, mvccConflicts: 2, cpu: cpu(500) }),
  ];
  const pooled = poolRounds(phases, 128, 'app')!;
  // 950 + 1000 committed in 15 s, not the mean of 95/s and 200/s.
  expect(pooled.perSecond).toBeCloseTo(1950 / 15, 6);
  expect([pooled.requests, pooled.seconds, pooled.failed, pooled.conflicts, pooled.mvccConflicts]).toEqual([2000, 15, 50, 2, 2]);
  expect([pooled.p50Ms, pooled.p99Ms]).toEqual([600, 1200]);
  expect(pooled.cpu).toEqual({ seconds: 20, ms: { peer: 1500, app: 750 }, otherMs: 2, machineBusyMs: 4500 });
  expect(pooled.round).toBeUndefined();
});

test('unknown conflict splits stay unknown, missing CPU drops the pooled CPU, and an unmeasured path pools to nothing', () => {
  const phases = [phase('app', 0, { mvccConflicts: null, cpu: { seconds: 1, ms: {}, otherMs: 0, machineBusyMs: 0 } }), phase('app', 1, { mvccConflicts: 3 })];
  const pooled = poolRounds(phases, 128, 'app')!;
  expect(pooled.mvccConflicts).toBeNull();
  expect(pooled.cpu).toBeUndefined();
  expect(poolRounds(phases, 32, 'app')).toBeNull();
  expect(poolRounds(phases, 128, 'trivial')).toBeNull();
});
