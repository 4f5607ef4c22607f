import type { StateEntry } from './types';

/** Fabric orders keys by their UTF-8 bytes, which differs from JavaScript's UTF-16 string order. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

interface IndexedKey {
  key: string;
  bytes: Buffer;
}

/** Largest chunk of the sorted index; a fuller chunk is split in two. */
const MAX_CHUNK = 512;

/**
 * Keys sorted by UTF-8 bytes in a list of sorted chunks, so inserting or deleting one key costs a
 * binary search and a splice of at most MAX_CHUNK entries, not of the whole index (a single
 * sorted array made every new key O(n): ~0.3 ms per insert at 100,000 keys).
 */
class SortedKeyIndex {
  private readonly chunks: IndexedKey[][] = [];

  insert(item: IndexedKey): void {
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      return;
    }
    const c = this.chunkFor(item.bytes);
    const chunk = this.chunks[c]!;
    chunk.splice(lowerBoundIn(chunk, item.bytes), 0, item);
    if (chunk.length > MAX_CHUNK) this.chunks.splice(c + 1, 0, chunk.splice(chunk.length >> 1));
  }

  remove(bytes: Buffer): void {
    if (this.chunks.length === 0) return;
    const c = this.chunkFor(bytes);
    const chunk = this.chunks[c]!;
    const at = lowerBoundIn(chunk, bytes);
    if (at < chunk.length && chunk[at]!.bytes.equals(bytes)) {
      chunk.splice(at, 1);
      if (chunk.length === 0) this.chunks.splice(c, 1);
    }
  }

  /** Keys ≥ `from` in byte order. */
  *from(from: Buffer): IterableIterator<IndexedKey> {
    if (this.chunks.length === 0) return;
    let c = this.chunkFor(from);
    let i = lowerBoundIn(this.chunks[c]!, from);
    for (; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c]!;
      for (; i < chunk.length; i++) yield chunk[i]!;
    }
  }

  /** The chunk that holds (or would hold) `bytes`: the last chunk whose first key is ≤ bytes. */
  private chunkFor(bytes: Buffer): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (Buffer.compare(this.chunks[mid]![0]!.bytes, bytes) <= 0) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function lowerBoundIn(chunk: IndexedKey[], bytes: Buffer): number {
  let lo = 0;
  let hi = chunk.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Buffer.compare(chunk[mid]!.bytes, bytes) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One key space (the public state or one private collection): a map plus a sorted index so range
 * scans return keys in UTF-8 byte order.
 */
export class KeySpace {
  private readonly entries = new Map<string, StateEntry>();
  private readonly index = new SortedKeyIndex();

  get size(): number {
    return this.entries.size;
  }

  get(key: string): StateEntry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: StateEntry): void {
    if (!this.entries.has(key)) this.index.insert({ key, bytes: Buffer.from(key, 'utf8') });
    this.entries.set(key, entry);
  }

  delete(key: string): void {
    if (!this.entries.delete(key)) return;
    this.index.remove(Buffer.from(key, 'utf8'));
  }

  /** Keys in [startKey, endKey) in byte order; '' as endKey means unbounded. */
  *range(startKey: string, endKey: string): IterableIterator<[string, StateEntry]> {
    const end = endKey === '' ? undefined : Buffer.from(endKey, 'utf8');
    for (const item of this.index.from(Buffer.from(startKey, 'utf8'))) {
      if (end && Buffer.compare(item.bytes, end) >= 0) return;
      const entry = this.entries.get(item.key);
      if (entry) yield [item.key, entry];
    }
  }
}
