/** Typed JSON access to world state and private data over ctx.stub, always in canonical JSON. */
import type { ChaincodeStub } from 'fabric-shim-api';
import { getMultipleStates } from '../shimBatching';
import { canonicalBytes, parseBytes } from './canonical';

export interface Entry<T> {
  key: string;
  attributes: string[];
  value: T;
}

/** Results per page of a read-only paginated query: well under any peer's totalQueryLimit. */
export const READ_ONLY_PAGE_SIZE = 1000;

export class StateStore {
  /** Values read ahead by {@link prefetch}; a transaction's reads never see its own writes, so they stay current. */
  readonly #prefetched = new Map<string, Uint8Array>();

  constructor(readonly stub: ChaincodeStub) {}

  async get<T>(key: string): Promise<T | undefined> {
    return parseBytes<T>(this.#prefetched.get(key) ?? (await this.stub.getState(key)));
  }

  /**
   * Reads keys the transaction is about to read, in one request where the peer offers batched
   * reads; later {@link get}s of them take no round trip. Each key lands in the read set as if read alone.
   */
  async prefetch(keys: readonly string[]): Promise<void> {
    const wanted = [...new Set(keys)].filter((key) => !this.#prefetched.has(key));
    const values = await getMultipleStates(this.stub, wanted);
    wanted.forEach((key, i) => this.#prefetched.set(key, values[i]!));
  }

  async put(key: string, value: unknown): Promise<void> {
    await this.stub.putState(key, canonicalBytes(value));
  }

  /** All entries under a partial composite key, in key order. The iterator is always closed. */
  async range<T>(objectType: string, attributes: readonly string[]): Promise<Entry<T>[]> {
    const out: Entry<T>[] = [];
    const iterator = this.stub.getStateByPartialCompositeKey(objectType, [...attributes]);
    for await (const kv of iterator) {
      const value = parseBytes<T>(kv.value);
      if (value === undefined) continue;
      out.push({ key: kv.key, attributes: this.stub.splitCompositeKey(kv.key).attributes, value });
    }
    return out;
  }

  /** Whether any key exists under a partial composite key: reads one result, and leaving the loop closes the iterator. */
  async any(objectType: string, attributes: readonly string[] = []): Promise<boolean> {
    for await (const found of this.stub.getStateByPartialCompositeKey(objectType, [...attributes])) if (found) return true;
    return false;
  }

  /**
   * All entries under a partial composite key, page by page, for read-only transactions only
   * (Fabric refuses a paginated query in a transaction that writes). A single range query is cut
   * off without error at the peer's `ledger.state.totalQueryLimit` (100,000 by default); pages are
   * not, so reads that grow with the ledger's history (statements, the audit) use this.
   */
  async rangeAllPages<T>(objectType: string, attributes: readonly string[], pageSize = READ_ONLY_PAGE_SIZE): Promise<Entry<T>[]> {
    const out: Entry<T>[] = [];
    let bookmark = '';
    for (;;) {
      const { iterator, metadata } = await this.stub.getStateByPartialCompositeKeyWithPagination(objectType, [...attributes], pageSize, bookmark);
      try {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          const value = parseBytes<T>(next.value.value);
          if (value !== undefined) out.push({ key: next.value.key, attributes: this.stub.splitCompositeKey(next.value.key).attributes, value });
        }
      } finally {
        await iterator.close();
      }
      // The peer's bookmark is the next key to read, empty once the range is exhausted.
      if (!metadata.bookmark || metadata.fetchedRecordsCount === 0) return out;
      bookmark = metadata.bookmark;
    }
  }

  async getPrivate<T>(collection: string, key: string): Promise<T | undefined> {
    return parseBytes<T>(await this.stub.getPrivateData(collection, key));
  }

  async putPrivate(collection: string, key: string, value: unknown): Promise<void> {
    await this.stub.putPrivateData(collection, key, canonicalBytes(value));
  }

  async rangePrivate<T>(collection: string, objectType: string, attributes: readonly string[]): Promise<Entry<T>[]> {
    const out: Entry<T>[] = [];
    const iterator = this.stub.getPrivateDataByPartialCompositeKey(collection, objectType, [...attributes]);
    for await (const kv of iterator) {
      const value = parseBytes<T>(kv.value);
      if (value === undefined) continue;
      out.push({ key: kv.key, attributes: this.stub.splitCompositeKey(kv.key).attributes, value });
    }
    return out;
  }
}

/** The transaction's identity in time: ID and timestamp from the proposal, never the clock. */
export interface TxInfo {
  txId: string;
  /** Seconds since the epoch (UTC). */
  seconds: number;
  /** Fixed-width ISO-8601 with nanoseconds, so string order is time order. */
  time: string;
}

export function txInfo(stub: ChaincodeStub): TxInfo {
  const ts = stub.getTxTimestamp();
  const seconds = Number(ts.seconds.toString());
  const nanos = ts.nanos ?? 0;
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  return { txId: stub.getTxID(), seconds, time: `${whole}.${String(nanos).padStart(9, '0')}Z` };
}
