/**
 * Where the CPU goes during a benchmark phase, per process (Linux /proc): every process the native
 * network started (orderer, peers, CAs, chaincode servers — each with its children, as `npm run`
 * wraps node), the gateway app, this process (the load generator and fabric-gateway client), and
 * the rest of the machine (other users' work, the kernel's softirqs).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cpuTimeMs, descendants } from './proc';

export interface CpuSource {
  name: string;
  /** Root PID; the CPU of its descendants counts too. */
  pid: number;
}

/** CPU milliseconds used by each source and by the whole machine since the snapshot was taken. */
export interface CpuSnapshot {
  at: number;
  perSource: Map<string, number>;
  machineBusyMs: number;
}

export interface CpuUsage {
  seconds: number;
  /** CPU ms per source over the phase. */
  ms: Record<string, number>;
  /** Busy CPU ms of the whole machine not accounted to any source. */
  otherMs: number;
  /** Busy CPU ms of the whole machine over the phase. */
  machineBusyMs: number;
}

/** The processes of a native network: one per `pids/<name>.pid` in its work directory. */
export function networkSources(workDir: string): CpuSource[] {
  const dir = path.join(workDir, 'pids');
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.pid'));
  } catch {
    return [];
  }
  return files
    .map((f) => ({ name: f.slice(0, -'.pid'.length), pid: Number(readFileSync(path.join(dir, f), 'utf8').trim()) }))
    .filter((s) => Number.isInteger(s.pid) && s.pid > 0);
}

/** Busy jiffies of all CPUs (everything but idle and iowait), in ms. */
function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return (busy * 1000) / 100;
}

/** CPU of a process tree. Children that exited meanwhile are lost, which long-lived servers never do. */
function treeCpuMs(pid: number, includeChildren: boolean): number {
  let total = cpuTimeMs(pid) ?? 0;
  if (includeChildren) for (const child of descendants(pid)) total += cpuTimeMs(child.pid) ?? 0;
  return total;
}

export function cpuSnapshot(sources: readonly CpuSource[]): CpuSnapshot {
  const perSource = new Map<string, number>();
  // This process has children (the app, the network scripts' processes are in their own sessions
  // but may be our descendants): count only its own time.
  for (const s of sources) perSource.set(s.name, treeCpuMs(s.pid, s.pid !== process.pid));
  return { at: performance.now(), perSource, machineBusyMs: machineBusyMs() };
}

export function cpuUsageSince(before: CpuSnapshot, sources: readonly CpuSource[]): CpuUsage {
  const after = cpuSnapshot(sources);
  const ms: Record<string, number> = {};
  let accounted = 0;
  for (const [name, value] of after.perSource) {
    const used = Math.max(0, value - (before.perSource.get(name) ?? value));
    ms[name] = Math.round(used);
    accounted += used;
  }
  const machineBusy = Math.max(0, after.machineBusyMs - before.machineBusyMs);
  return {
    seconds: (after.at - before.at) / 1000,
    ms,
    otherMs: Math.round(Math.max(0, machineBusy - accounted)),
    machineBusyMs: Math.round(machineBusy),
  };
}
