/**
 * Reads the gateway's /metrics (Prometheus text). The benchmarks only need the counters about
 * ledger conflicts and retries; names are matched loosely so a renamed metric still shows up.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] as string] = pair[2] as string;
    }
    const value = Number(match[4]);
    if (Number.isFinite(value)) samples.push({ name: match[1] as string, labels, value });
  }
  return samples;
}

/** Sum of samples whose name and labels (as text) match the pattern; histograms' _bucket rows skipped. */
export function sumMatching(samples: readonly Sample[], pattern: RegExp): number {
  return samples
    .filter((s) => !s.name.endsWith('_bucket') && !s.name.endsWith('_sum') && !s.name.endsWith('_created'))
    .filter((s) => pattern.test(`${s.name} ${Object.values(s.labels).join(' ')}`))
    .reduce((acc, s) => acc + s.value, 0);
}

export interface LedgerCounters {
  /** Submitted transactions as the app counts them (one per request, after its own retries). */
  submits: number;
  /** Attempts that hit an MVCC or phantom read conflict and were resubmitted by the app. */
  conflictRetries: number;
  /** Submits that still conflicted when the app gave up (returned 409 CONFLICT). */
  conflictFailures: number;
  /** Conflicted attempts split by code, where the app labels them (`mvcc`/`phantom` in a label or name). */
  mvcc: number;
  phantom: number;
  /** Whether the conflict counters carry a `code` label, i.e. whether `mvcc` and `phantom` split them. */
  codeLabelled: boolean;
  /** Conflicted attempts (retried + given up) by transaction name. */
  byTransaction: Record<string, number>;
}

const isTotal = (s: Sample): boolean => !/_bucket$|_sum$|_count$|_created$/.test(s.name);

/** Conflict and retry counters from the gateway's metrics (gridshare_fabric_*). */
export function ledgerCounters(samples: readonly Sample[]): LedgerCounters {
  const totals = samples.filter(isTotal);
  const tx = totals.filter((s) => s.name === 'gridshare_fabric_transactions_total' && s.labels.kind === 'submit');
  const retries = totals.filter((s) => /conflict_retries_total$/.test(s.name));
  const failures = tx.filter((s) => s.labels.outcome === 'conflict');
  const byTransaction: Record<string, number> = {};
  for (const s of [...retries, ...failures]) {
    const name = s.labels.transaction ?? 'unknown';
    byTransaction[name] = (byTransaction[name] ?? 0) + s.value;
  }
  const conflictRows = [...retries, ...failures];
  return {
    submits: tx.reduce((a, s) => a + s.value, 0),
    conflictRetries: retries.reduce((a, s) => a + s.value, 0),
    conflictFailures: failures.reduce((a, s) => a + s.value, 0),
    mvcc: sumMatching(conflictRows, /mvcc/i),
    phantom: sumMatching(conflictRows, /phantom/i),
    codeLabelled: retries.some((s) => s.labels.code !== undefined),
    byTransaction,
  };
}

/** Difference of two counter snapshots (after − before). */
export function diffCounters(before: LedgerCounters, after: LedgerCounters): LedgerCounters {
  const byTransaction: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.byTransaction)) {
    const d = v - (before.byTransaction[k] ?? 0);
    if (d !== 0) byTransaction[k] = d;
  }
  return {
    submits: after.submits - before.submits,
    conflictRetries: after.conflictRetries - before.conflictRetries,
    conflictFailures: after.conflictFailures - before.conflictFailures,
    mvcc: after.mvcc - before.mvcc,
    phantom: after.phantom - before.phantom,
    codeLabelled: after.codeLabelled,
    byTransaction,
  };
}

/** Share of ledger submission attempts that conflicted. */
export function conflictRate(c: LedgerCounters): number {
  const attempts = c.submits + c.conflictRetries;
  return attempts > 0 ? (c.conflictRetries + c.conflictFailures) / attempts : 0;
}
