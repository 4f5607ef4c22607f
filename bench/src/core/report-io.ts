/** Output helpers shared by the benchmark scripts: an aligned text table and the JSON result file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';

export function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = [headers.map(String), ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((v, c) => v.padStart(widths[c] ?? 0)).join('  ');
  return [line(cells[0] as string[]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** bench/results (from bench/dist/<file>.js). */
export const RESULTS_DIR = path.resolve(__dirname, '..', '..', 'results');

export function machine(): { nproc: number; cpu: string; node: string; platform: string } {
  return { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}` };
}

/** Writes `bench/results/<name>.json` with the machine and the time of the run; returns its path. */
export function writeResult(name: string, result: object): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  writeFileSync(file, JSON.stringify({ benchmark: name, measuredAt: new Date().toISOString(), machine: machine(), ...result }, null, 2) + '\n');
  return file;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const fmt = {
  ms: (v: number): string => (Number.isFinite(v) ? `${v.toFixed(v < 10 ? 2 : 0)} ms` : '–'),
  s: (v: number): string => `${(v / 1000).toFixed(1)} s`,
  mb: (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`,
  pct: (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(2)} %` : '–'),
};
