import { compareKeys } from './keyspace';
import {
  type OrderedTransaction,
  type RangeRead,
  type ReadWriteSet,
  type StateEntry,
  type Version,
  sameVersion,
  TxCode,
} from './types';

/** Read access to committed state that validation needs. */
export interface StateView {
  get(space: string, key: string): StateEntry | undefined;
  range(space: string, startKey: string, endKey: string): Iterable<[string, StateEntry]>;
}

/** space → key → new entry (null = deleted), accumulated over the valid transactions of one block. */
export type StateUpdates = Map<string, Map<string, StateEntry | null>>;

export interface BlockValidation {
  codes: number[];
  updates: StateUpdates;
}

/**
 * Validates a block in order, as Fabric's committer does: DUPLICATE_TXID, then MVCC_READ_CONFLICT
 * (a key read has a different committed version, including one written by an earlier valid
 * transaction of this block), then PHANTOM_READ_CONFLICT (a recorded range now yields different
 * keys or versions). Only valid transactions contribute updates.
 */
export function validateBlock(
  blockNum: number,
  txs: OrderedTransaction[],
  committed: StateView,
  isCommittedTxId: (txId: string) => boolean,
): BlockValidation {
  const updates: StateUpdates = new Map();
  const view = new OverlayView(committed, updates);
  const seenInBlock = new Set<string>();
  const codes: number[] = [];

  txs.forEach((tx, txNum) => {
    let code: number = TxCode.VALID;
    if (isCommittedTxId(tx.txId) || seenInBlock.has(tx.txId)) code = TxCode.DUPLICATE_TXID;
    else if (!readsStillCurrent(tx.rwset, view, updates)) code = TxCode.MVCC_READ_CONFLICT;
    else if (!rangesStillCurrent(tx.rwset.ranges, view)) code = TxCode.PHANTOM_READ_CONFLICT;
    seenInBlock.add(tx.txId);
    codes.push(code);
    if (code === TxCode.VALID) applyWrites(tx.rwset, { blockNum, txNum }, view, updates);
  });
  return { codes, updates };
}

/**
 * A read is stale if an earlier valid transaction of this block touched the key at all (deletes of
 * absent keys included, as Fabric's validator checks updates before versions), or if its committed
 * version changed.
 */
function readsStillCurrent(rwset: ReadWriteSet, view: StateView, blockUpdates: StateUpdates): boolean {
  for (const [space, keys] of rwset.reads) {
    const touchedInBlock = blockUpdates.get(space);
    for (const [key, version] of keys) {
      if (touchedInBlock?.has(key)) return false;
      if (!sameVersion(view.get(space, key)?.version ?? null, version)) return false;
    }
  }
  return true;
}

function rangesStillCurrent(ranges: RangeRead[], view: StateView): boolean {
  return ranges.every((range) => {
    const lastSeen = range.results[range.results.length - 1]?.key;
    const now: { key: string; version: Version }[] = [];
    for (const [key, entry] of view.range(range.space, range.startKey, range.endKey)) {
      // A range the chaincode stopped reading early is only re-checked up to the last key it saw.
      if (!range.exhausted && (lastSeen === undefined || compareKeys(key, lastSeen) > 0)) break;
      now.push({ key, version: entry.version });
      if (now.length > range.results.length) return false;
    }
    return (
      now.length === range.results.length &&
      now.every((item, i) => item.key === range.results[i]!.key && sameVersion(item.version, range.results[i]!.version))
    );
  });
}

function applyWrites(rwset: ReadWriteSet, version: Version, view: StateView, updates: StateUpdates): void {
  const spaces = new Set([...rwset.writes.keys(), ...rwset.metadataWrites.keys()]);
  for (const space of spaces) {
    let spaceUpdates = updates.get(space);
    if (!spaceUpdates) updates.set(space, (spaceUpdates = new Map()));
    const writes = rwset.writes.get(space) ?? new Map<string, Buffer | null>();
    const metaWrites = rwset.metadataWrites.get(space) ?? new Map<string, Map<string, Buffer>>();
    const keys = new Set([...writes.keys(), ...metaWrites.keys()]);
    for (const key of keys) {
      const previous = view.get(space, key);
      const value = writes.has(key) ? writes.get(key)! : (previous?.value ?? null);
      if (value === null || value.length === 0) {
        spaceUpdates.set(key, null);
        continue;
      }
      // Metadata survives value updates (as in Fabric) and is merged with new metadata writes.
      let metadata = previous?.metadata ? { ...previous.metadata } : undefined;
      const newMeta = metaWrites.get(key);
      if (newMeta) {
        metadata = metadata ?? {};
        for (const [name, metaValue] of newMeta) {
          if (metaValue.length === 0) delete metadata[name];
          else metadata[name] = metaValue;
        }
      }
      spaceUpdates.set(key, { value, version, ...(metadata && Object.keys(metadata).length > 0 ? { metadata } : {}) });
    }
  }
}

/** Committed state with this block's earlier valid updates laid over it. */
class OverlayView implements StateView {
  constructor(
    private readonly base: StateView,
    private readonly updates: StateUpdates,
  ) {}

  get(space: string, key: string): StateEntry | undefined {
    const spaceUpdates = this.updates.get(space);
    if (spaceUpdates?.has(key)) return spaceUpdates.get(key) ?? undefined;
    return this.base.get(space, key);
  }

  *range(space: string, startKey: string, endKey: string): Iterable<[string, StateEntry]> {
    const spaceUpdates = this.updates.get(space);
    if (!spaceUpdates || spaceUpdates.size === 0) {
      yield* this.base.range(space, startKey, endKey);
      return;
    }
    const inRange = [...spaceUpdates.keys()]
      .filter((k) => compareKeys(k, startKey) >= 0 && (endKey === '' || compareKeys(k, endKey) < 0))
      .sort(compareKeys);
    let u = 0;
    for (const [key, entry] of this.base.range(space, startKey, endKey)) {
      while (u < inRange.length && compareKeys(inRange[u]!, key) < 0) {
        const updated = spaceUpdates.get(inRange[u]!);
        if (updated) yield [inRange[u]!, updated];
        u++;
      }
      if (u < inRange.length && inRange[u] === key) {
        const updated = spaceUpdates.get(key);
        if (updated) yield [key, updated];
        u++;
      } else {
        yield [key, entry];
      }
    }
    for (; u < inRange.length; u++) {
      const updated = spaceUpdates.get(inRange[u]!);
      if (updated) yield [inRange[u]!, updated];
    }
  }
}
