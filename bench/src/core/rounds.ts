/**
 * Measured phases of a benchmark run in rounds: each path is measured once per round, the order
 * of the paths reversed every other round, and a path's rounds pooled into one figure. A machine
 * whose speed drifts during the run then weighs on every path alike.
 */
import type { CpuUsage } from './cpu-accounting';

export interface PhaseResult<Path extends string = string> {
  path: Path;
  inFlight: number;
  requests: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * Attempts that failed MVCC/phantom validation: direct paths count the CommitError codes they
   * see; the app path reads them from its /metrics (null when its counter has no `code` label).
   */
  mvccConflicts: number | null;
  phantomConflicts: number | null;
  conflicts: number;
  failed: number;
  /** CPU per process over the phase (Linux /proc), when the processes are known. */
  cpu?: CpuUsage;
  /** Which round of the run measured it (absent on pooled results). */
  round?: number;
}

/** One path at one in-flight level over all rounds: requests and seconds summed, CPU summed. */
export function poolRounds<Path extends string>(phases: readonly PhaseResult<Path>[], inFlight: number, pathName: Path): PhaseResult<Path> | null {
  const runs = phases.filter((p) => p.inFlight === inFlight && p.path === pathName);
  if (runs.length === 0) return null;
  const sum = (f: (p: PhaseResult<Path>) => number): number => runs.reduce((total, p) => total + f(p), 0);
  const seconds = sum((p) => p.seconds);
  const nullableSum = (f: (p: PhaseResult<Path>) => number | null): number | null => (runs.some((p) => f(p) === null) ? null : sum((p) => f(p) ?? 0));
  const cpus = runs.map((p) => p.cpu).filter((c): c is CpuUsage => c !== undefined);
  const cpu: CpuUsage | undefined =
    cpus.length === runs.length && cpus.length > 0
      ? {
          seconds: cpus.reduce((t, c) => t + c.seconds, 0),
          ms: Object.fromEntries(Object.keys(cpus[0]!.ms).map((name) => [name, cpus.reduce((t, c) => t + (c.ms[name] ?? 0), 0)])),
          otherMs: cpus.reduce((t, c) => t + c.otherMs, 0),
          machineBusyMs: cpus.reduce((t, c) => t + c.machineBusyMs, 0),
        }
      : undefined;
  return {
    path: pathName,
    inFlight,
    requests: sum((p) => p.requests),
    seconds,
    perSecond: sum((p) => p.perSecond * p.seconds) / seconds,
    // Latency percentiles are per phase; the pooled row shows the worst round's.
    p50Ms: Math.max(...runs.map((p) => p.p50Ms)),
    p99Ms: Math.max(...runs.map((p) => p.p99Ms)),
    mvccConflicts: nullableSum((p) => p.mvccConflicts),
    phantomConflicts: nullableSum((p) => p.phantomConflicts),
    conflicts: sum((p) => p.conflicts),
    failed: sum((p) => p.failed),
    ...(cpu ? { cpu } : {}),
  };
}

/** The order of the paths in a round: as given in even rounds, reversed in odd ones. */
export function pathOrder<Path>(paths: readonly Path[], round: number): Path[] {
  return round % 2 === 0 ? [...paths] : [...paths].reverse();
}
