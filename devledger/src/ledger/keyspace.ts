import type { StateEntry } from './types';

/** Fabric orders keys by their UTF-8 bytes, which differs from JavaScript's UTF-16 string order. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

interface IndexedKey {
  key: string;
  bytes: Buffer;
}

/**
 * One key space (the public state or one private collection): a map plus a sorted index so range
 * scans return keys in UTF-8 byte order.
 */
export class KeySpace {
  private readonly entries = new Map<string, StateEntry>();
  private readonly index: IndexedKey[] = [];

  get size(): number {
    return this.entries.size;
  }

  get(key: string): StateEntry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: StateEntry): void {
    if (!this.entries.has(key)) {
      const bytes = Buffer.from(key, 'utf8');
      this.index.splice(this.lowerBound(bytes), 0, { key, bytes });
    }
    this.entries.set(key, entry);
  }

  delete(key: string): void {
    if (!this.entries.delete(key)) return;
    const bytes = Buffer.from(key, 'utf8');
    const at = this.lowerBound(bytes);
    if (this.index[at]?.key === key) this.index.splice(at, 1);
  }

  /** Keys in [startKey, endKey) in byte order; '' as endKey means unbounded. */
  *range(startKey: string, endKey: string): IterableIterator<[string, StateEntry]> {
    const end = endKey === '' ? undefined : Buffer.from(endKey, 'utf8');
    for (let i = this.lowerBound(Buffer.from(startKey, 'utf8')); i < this.index.length; i++) {
      const item = this.index[i]!;
      if (end && Buffer.compare(item.bytes, end) >= 0) return;
      const entry = this.entries.get(item.key);
      if (entry) yield [item.key, entry];
    }
  }

  private lowerBound(bytes: Buffer): number {
    let lo = 0;
    let hi = this.index.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Buffer.compare(this.index[mid]!.bytes, bytes) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
