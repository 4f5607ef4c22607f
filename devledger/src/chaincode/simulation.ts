import crypto from 'node:crypto';
import { DevLedgerError } from '../errors';
import type { HistoryEntry } from '../ledger/ledger';
import { emptyReadWriteSet, hasWrites, PUBLIC_SPACE, type RangeRead, type ReadWriteSet, type StateEntry } from '../ledger/types';
import type { Collections } from './collections';

/** Committed state a simulation reads from. */
export interface CommittedState {
  get(space: string, key: string): StateEntry | undefined;
  range(space: string, startKey: string, endKey: string): Iterable<[string, StateEntry]>;
  history(key: string): Promise<HistoryEntry[]>;
}

export interface SimulationLimits {
  /** Most results one range query may return (Fabric's ledger.state.totalQueryLimit). */
  totalQueryLimit: number;
  /** Results per QueryResponse batch (Fabric's internal query batch). */
  batchSize: number;
}

/** Who runs the transaction: Fabric's member-only collection rules depend on the creator's MSP. */
export interface SimulationContext {
  txId: string;
  creatorMspId: string;
}

export interface KeyValue {
  key: string;
  value: Buffer;
}

export interface QueryBatch<T> {
  id: string;
  results: T[];
  hasMore: boolean;
  /** Only for paginated queries. */
  pagination?: { fetchedRecordsCount: number; bookmark: string };
}

interface OpenIterator<T> {
  items: T[];
  position: number;
  /** For range queries: what the query found, and what the rwset records as delivered so far. */
  range?: { found: RangeRead; recorded: RangeRead };
}

/**
 * One transaction's simulation against committed state: records reads (with versions), writes,
 * metadata writes and ranges. Reads never see this transaction's own writes, as in Fabric.
 */
export class TxSimulation {
  readonly rwset: ReadWriteSet = emptyReadWriteSet();
  private paginatedQueryRun = false;
  private privateQueryRun = false;
  private readonly iterators = new Map<string, OpenIterator<KeyValue> | OpenIterator<HistoryEntry>>();
  private nextIteratorId = 1;

  constructor(
    private readonly state: CommittedState,
    private readonly collections: Collections,
    private readonly limits: SimulationLimits,
    private readonly context: SimulationContext,
  ) {}

  getState(collection: string, key: string): Buffer {
    const space = this.readableSpace(collection);
    const entry = this.state.get(space, key);
    this.recordRead(space, key, entry);
    return entry ? entry.value : Buffer.alloc(0);
  }

  /** Readable by non-members too (as in Fabric); recorded as a hashed read, so a later change of the key is an MVCC conflict. */
  getPrivateDataHash(collection: string, key: string): Buffer {
    this.collections.check(collection);
    const entry = this.state.get(collection, key);
    this.recordRead(collection, key, entry);
    return entry ? crypto.createHash('sha256').update(entry.value).digest() : Buffer.alloc(0);
  }

  getStateMetadata(collection: string, key: string): Record<string, Buffer> {
    const space = this.readableSpace(collection);
    const entry = this.state.get(space, key);
    this.recordRead(space, key, entry);
    return entry?.metadata ?? {};
  }

  putState(collection: string, key: string, value: Buffer): void {
    this.checkKey(key);
    const space = this.writableSpace(collection);
    this.checkWriteAllowed();
    this.writesFor(space).set(key, value.length === 0 ? null : value);
  }

  deleteState(collection: string, key: string): void {
    this.checkKey(key);
    const space = this.writableSpace(collection);
    this.checkWriteAllowed();
    this.writesFor(space).set(key, null);
  }

  putStateMetadata(collection: string, key: string, name: string, value: Buffer): void {
    this.checkKey(key);
    const space = this.writableSpace(collection);
    this.checkWriteAllowed();
    let keys = this.rwset.metadataWrites.get(space);
    if (!keys) this.rwset.metadataWrites.set(space, (keys = new Map()));
    let entries = keys.get(key);
    if (!entries) keys.set(key, (entries = new Map()));
    entries.set(name, value);
  }

  /**
   * Range (and partial composite key) query; with pageSize > 0 on public state it is a paginated,
   * read-only query. On a private collection it is never paginated, makes the transaction
   * read-only and is not recorded for phantom validation (Fabric's private range queries).
   */
  openRange(collection: string, startKey: string, endKey: string, page?: { pageSize: number; bookmark: string }): QueryBatch<KeyValue> {
    const space = this.readableSpace(collection);
    const isPrivate = space !== PUBLIC_SPACE;
    const paginated = !isPrivate && !!page && page.pageSize > 0;
    if (isPrivate) {
      if (hasWrites(this.rwset)) {
        throw new DevLedgerError(
          'PRIVATE_QUERY_WITH_WRITES',
          `txid [${this.context.txId}]: unsuppored transaction. Queries on pvt data is supported only in a read-only transaction`,
        );
      }
      this.privateQueryRun = true;
    }
    if (paginated) {
      if (hasWrites(this.rwset)) {
        throw new DevLedgerError('PAGINATION_WITH_WRITES', 'txSimulator does not support paginated queries after write operations');
      }
      this.paginatedQueryRun = true;
    }
    const from = paginated && page.bookmark ? page.bookmark : startKey;
    const limit = paginated ? Math.min(page.pageSize, this.limits.totalQueryLimit) : this.limits.totalQueryLimit;
    const items: KeyValue[] = [];
    const range: RangeRead = { space, startKey: from, endKey, exhausted: true, results: [] };
    let bookmark = '';
    for (const [key, entry] of this.state.range(space, from, endKey)) {
      if (items.length >= limit) {
        range.exhausted = false;
        bookmark = key;
        break;
      }
      items.push({ key, value: entry.value });
      range.results.push({ key, version: entry.version });
    }
    // Reads are recorded as the chaincode receives them; the range counts as exhausted only if it read to the end.
    const recorded: RangeRead = { ...range, exhausted: false, results: [] };
    if (!isPrivate) this.rwset.ranges.push(recorded);
    const id = this.register({ items, position: 0, range: { found: range, recorded } });
    const batch = this.nextBatch<KeyValue>(id);
    if (paginated) batch.pagination = { fetchedRecordsCount: items.length, bookmark };
    return batch;
  }

  async openHistory(key: string): Promise<QueryBatch<HistoryEntry>> {
    const items = (await this.state.history(key)).slice(0, this.limits.totalQueryLimit);
    return this.nextBatch<HistoryEntry>(this.register({ items, position: 0 }));
  }

  nextBatch<T>(id: string): QueryBatch<T> {
    const iterator = this.iterators.get(id) as OpenIterator<T> | undefined;
    if (!iterator) throw new DevLedgerError('UNKNOWN_ITERATOR', `query iterator ${id} not found`);
    const end = Math.min(iterator.position + this.limits.batchSize, iterator.items.length);
    const results = iterator.items.slice(iterator.position, end);
    iterator.range?.recorded.results.push(...iterator.range.found.results.slice(iterator.position, end));
    iterator.position = end;
    const hasMore = end < iterator.items.length;
    if (!hasMore) {
      if (iterator.range) iterator.range.recorded.exhausted = iterator.range.found.exhausted;
      this.iterators.delete(id);
    }
    return { id, results, hasMore };
  }

  closeIterator(id: string): void {
    this.iterators.delete(id);
  }

  private register(iterator: OpenIterator<KeyValue> | OpenIterator<HistoryEntry>): string {
    const id = String(this.nextIteratorId++);
    this.iterators.set(id, iterator);
    return id;
  }

  private readableSpace(collection: string): string {
    if (collection === PUBLIC_SPACE) return PUBLIC_SPACE;
    this.collections.checkReadAccess(collection, this.context.creatorMspId);
    return collection;
  }

  private writableSpace(collection: string): string {
    if (collection === PUBLIC_SPACE) return PUBLIC_SPACE;
    this.collections.checkWriteAccess(collection, this.context.creatorMspId);
    return collection;
  }

  private recordRead(space: string, key: string, entry: StateEntry | undefined): void {
    let keys = this.rwset.reads.get(space);
    if (!keys) this.rwset.reads.set(space, (keys = new Map()));
    // The first read's version is the one the simulation depended on.
    if (!keys.has(key)) keys.set(key, entry ? entry.version : null);
  }

  private writesFor(space: string): Map<string, Buffer | null> {
    let keys = this.rwset.writes.get(space);
    if (!keys) this.rwset.writes.set(space, (keys = new Map()));
    return keys;
  }

  private checkKey(key: string): void {
    if (key === '') throw new DevLedgerError('EMPTY_KEY', 'key must not be an empty string');
  }

  private checkWriteAllowed(): void {
    if (this.privateQueryRun) {
      throw new DevLedgerError(
        'WRITE_AFTER_PRIVATE_QUERY',
        `txid [${this.context.txId}]: unsuppored transaction. Transaction has already performed queries on pvt data. Writes are not allowed`,
      );
    }
    if (this.paginatedQueryRun) {
      throw new DevLedgerError('WRITE_AFTER_PAGINATION', 'transaction has already performed a paginated query. Writes are not allowed');
    }
  }
}
