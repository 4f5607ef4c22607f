/**
 * Canonical JSON: object keys sorted, no whitespace, `undefined` members dropped, only safe
 * integers as numbers. Every peer serialises the same value to the same bytes, so endorsements
 * agree and hashes of state are stable.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortedCopy(value, '$'));
}

export function canonicalBytes(value: unknown): Uint8Array {
  return Buffer.from(canonicalJson(value), 'utf8');
}

/** Parses bytes written by {@link canonicalBytes}; empty or missing bytes mean "absent". */
export function parseBytes<T>(bytes: Uint8Array | undefined | null): T | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

function sortedCopy(value: unknown, path: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    // Ledger values are integers; a float here is a bug that would make peers disagree.
    if (!Number.isSafeInteger(value)) throw new Error(`canonical JSON: ${path} is not a safe integer (${value})`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => (item === undefined ? null : sortedCopy(item, `${path}[${i}]`)));
  if (typeof value === 'object') {
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) {
      const member = source[key];
      if (member !== undefined) out[key] = sortedCopy(member, `${path}.${key}`);
    }
    return out;
  }
  throw new Error(`canonical JSON: ${path} has unsupported type ${typeof value}`);
}
