/** Market intervals in operator clock: named by their UTC start, ISO 8601 with seconds and `Z`. */

/** The simulated day starts here (operator clock; the wall clock plays no part). */
export const DEFAULT_START = '2026-11-21T00:00:00Z';

export function intervalName(startIso: string, index: number, intervalSeconds: number): string {
  const ms = Date.parse(startIso) + index * intervalSeconds * 1000;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Hour of day (fractional, UTC) at which interval `index` starts. */
export function startHourOfDay(startIso: string, index: number, intervalSeconds: number): number {
  const ms = Date.parse(startIso) + index * intervalSeconds * 1000;
  return (ms % 86_400_000) / 3_600_000;
}

/** Whole days since the start, for per-day weather. */
export function dayIndex(index: number, intervalSeconds: number): number {
  return Math.floor((index * intervalSeconds) / 86_400);
}

export function addDays(startIso: string, days: number): string {
  return new Date(Date.parse(startIso) + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
