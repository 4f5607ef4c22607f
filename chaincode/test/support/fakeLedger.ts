/**
 * An in-memory ledger for contract tests. Each invoke runs the real contract dispatch
 * (fabric-shim's ChaincodeFromContract, with a real ClientIdentity parsed from the caller's
 * X.509 certificate) over a fake ChaincodeStub with Fabric's semantics:
 * reads see committed state only (never the transaction's own writes), writes are buffered and
 * committed only if the transaction succeeds, keys sort by UTF-8 bytes, last event wins.
 */
import './quietLogs';
import { JSONSerializer } from 'fabric-contract-api';
import type { TestIdentity } from './certs';
import { contracts } from '../../src';
import { canonicalJson } from '../../src/ledger/canonical';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract');

const NS = '\u0000';
const MAX_RUNE = '\u{10ffff}';

type Store = Map<string, Buffer>;

export interface InvokeOptions {
  transient?: Record<string, unknown>;
  /** Transaction time, seconds since the epoch; defaults to the ledger clock. */
  at?: number;
}

export interface TxResult {
  ok: boolean;
  status: number;
  /** Result payload (success) as text. */
  payload: string;
  /** Error message (failure). */
  message: string;
  txId: string;
  event?: { name: string; payload: Record<string, unknown> };
  /** Number of keys (public and private) the transaction wrote; 0 for failures by construction. */
  writes: number;
  /** Writes the transaction attempted before it finished (committed or not). */
  attemptedWrites: number;
}

/** The key Fabric's createCompositeKey builds (for fixtures written with {@link FakeLedger.seed}). */
export function compositeKey(objectType: string, attributes: string[]): string {
  return `${NS}${objectType}${NS}${attributes.map((a) => `${a}${NS}`).join('')}`;
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export class FakeLedger {
  readonly state: Store = new Map();
  readonly collections = new Map<string, Store>();
  readonly committedEvents: { txId: string; name: string; payload: Record<string, unknown> }[] = [];
  /**
   * Most results one (unpaginated) range query returns, cut off silently as a Fabric peer's
   * `ledger.state.totalQueryLimit` does; pages of a paginated query are not cut.
   */
  totalQueryLimit = Number.POSITIVE_INFINITY;
  /** Ledger clock for transaction timestamps (seconds since the epoch). */
  clock = Date.parse('2026-11-21T00:00:00Z') / 1000;
  /** Shim round trips of the last transaction (state reads, writes, range pages). */
  lastRoundTrips = 0;
  /** Read set, range reads and write set of the last transaction (public state). */
  lastAccess: Access = { reads: new Set(), ranges: [], writes: new Set() };
  private txSeq = 0;
  private readonly chaincode = new ChaincodeFromContract([...contracts], {
    transaction: 'jsonSerializer',
    serializers: { jsonSerializer: JSONSerializer },
  });

  async submit(identity: TestIdentity, fcn: string, args: string[] = [], options: InvokeOptions = {}): Promise<TxResult> {
    return this.run(identity, fcn, args, options, true);
  }

  /** Evaluate: runs the transaction and never commits, like a query to one peer. */
  async evaluate(identity: TestIdentity, fcn: string, args: string[] = [], options: InvokeOptions = {}): Promise<TxResult> {
    return this.run(identity, fcn, args, options, false);
  }

  /** A bare stub for one transaction, committed only by calling its commit(): for testing the fake itself. */
  openTransaction(identity: TestIdentity, options: InvokeOptions = {}): FakeStub {
    this.txSeq += 1;
    return new FakeStub(this, identity, `manual-${this.txSeq}`, options.at ?? this.clock, [], options.transient ?? {});
  }

  /** Writes committed state directly (bulk fixtures), in the same canonical form the chaincode uses. */
  seed(key: string, value: unknown): void {
    this.state.set(key, Buffer.from(canonicalJson(value), 'utf8'));
  }

  collection(name: string): Store {
    let store = this.collections.get(name);
    if (!store) {
      store = new Map();
      this.collections.set(name, store);
    }
    return store;
  }

  /** Total keys in public state and all collections: a cheap "nothing changed" probe. */
  fingerprint(): string {
    const parts: string[] = [];
    for (const [k, v] of [...this.state].sort(([a], [b]) => byteCompare(a, b))) parts.push(`${k}=${v.toString('base64')}`);
    for (const [name, store] of [...this.collections].sort(([a], [b]) => byteCompare(a, b))) {
      for (const [k, v] of [...store].sort(([a], [b]) => byteCompare(a, b))) parts.push(`${name}/${k}=${v.toString('base64')}`);
    }
    return parts.join('\n');
  }

  private async run(identity: TestIdentity, fcn: string, args: string[], options: InvokeOptions, commit: boolean): Promise<TxResult> {
    this.txSeq += 1;
    const txId = `${this.txSeq.toString(16).padStart(8, '0')}${'ab'.repeat(28)}`;
    const stub = new FakeStub(this, identity, txId, options.at ?? this.clock, [fcn, ...args], options.transient ?? {});
    const response = await this.chaincode.Invoke(stub);
    this.lastRoundTrips = stub.roundTrips;
    this.lastAccess = stub.access;
    const ok = response.status === 200;
    const writes = stub.pendingWrites();
    if (ok && commit) stub.commit();
    return {
      ok,
      status: response.status,
      payload: ok && response.payload ? Buffer.from(response.payload).toString('utf8') : '',
      message: ok ? '' : String(response.message),
      txId,
      event: stub.event,
      writes: ok && commit ? writes : 0,
      attemptedWrites: writes,
    };
  }

  /** Called by a stub at commit. */
  recordEvent(txId: string, event: { name: string; payload: Record<string, unknown> }): void {
    this.committedEvents.push({ txId, ...event });
  }
}

export interface Access {
  reads: Set<string>;
  ranges: { start: string; end: string }[];
  writes: Set<string>;
}

interface KV {
  key: string;
  value: Buffer;
}

export class FakeStub {
  roundTrips = 0;
  readonly access: Access = { reads: new Set(), ranges: [], writes: new Set() };
  event?: { name: string; payload: Record<string, unknown> };
  private readonly writes = new Map<string, Buffer | null>();
  private readonly privateWrites = new Map<string, Map<string, Buffer | null>>();
  private readonly transient: Map<string, Uint8Array>;

  constructor(
    private readonly ledger: FakeLedger,
    private readonly identity: TestIdentity,
    private readonly txId: string,
    private readonly seconds: number,
    private readonly args: string[],
    transient: Record<string, unknown>,
  ) {
    this.transient = new Map(
      Object.entries(transient).map(([k, v]) => [k, Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8')]),
    );
  }

  // --- proposal ---
  getBufferArgs(): Buffer[] {
    return this.args.map((a) => Buffer.from(a, 'utf8'));
  }
  getArgs(): string[] {
    return [...this.args];
  }
  getStringArgs(): string[] {
    return [...this.args];
  }
  getFunctionAndParameters(): { fcn: string; params: string[] } {
    const [first = '', ...params] = this.args;
    return { fcn: first.includes(':') ? first.slice(first.indexOf(':') + 1) : first, params };
  }
  getTxID(): string {
    return this.txId;
  }
  getChannelID(): string {
    return 'energy';
  }
  getCreator(): { mspid: string; idBytes: Uint8Array } {
    return { mspid: this.identity.mspId, idBytes: Buffer.from(this.identity.certPem, 'utf8') };
  }
  getMspID(): string {
    return this.identity.mspId;
  }
  getTransient(): Map<string, Uint8Array> {
    return this.transient;
  }
  getTxTimestamp(): { seconds: { toString(): string; toNumber(): number }; nanos: number } {
    const seconds = this.seconds;
    return { seconds: { toString: () => String(seconds), toNumber: () => seconds }, nanos: 0 };
  }
  getDateTimestamp(): Date {
    return new Date(this.seconds * 1000);
  }
  setEvent(name: string, payload: Uint8Array): void {
    if (!name) throw new Error('event name must be a non-empty string');
    this.event = { name, payload: JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown> };
  }

  // --- keys ---
  createCompositeKey(objectType: string, attributes: string[]): string {
    for (const part of [objectType, ...attributes]) {
      if (typeof part !== 'string' || part.length === 0) throw new Error('object type or attribute not a non-zero length string');
      if (part.includes(NS)) throw new Error('composite key parts may not contain U+0000');
    }
    return `${NS}${objectType}${NS}${attributes.map((a) => `${a}${NS}`).join('')}`;
  }
  splitCompositeKey(compositeKey: string): { objectType: string | null; attributes: string[] } {
    const parts = compositeKey.split(NS).slice(1, -1);
    return { objectType: parts[0] ?? null, attributes: parts.slice(1) };
  }

  // --- public state: reads see committed state only ---
  async getState(key: string): Promise<Uint8Array> {
    this.roundTrips += 1;
    this.access.reads.add(key);
    return this.ledger.state.get(key) ?? Buffer.alloc(0);
  }
  async putState(key: string, value: Uint8Array): Promise<void> {
    this.roundTrips += 1;
    if (typeof key !== 'string' || key === '') throw new Error('key must not be empty');
    this.access.writes.add(key);
    this.writes.set(key, value.length === 0 ? null : Buffer.from(value));
  }
  async deleteState(key: string): Promise<void> {
    this.roundTrips += 1;
    this.access.writes.add(key);
    this.writes.set(key, null);
  }
  getStateByRange(startKey: string, endKey: string): AsyncIterable<KV> {
    if (startKey.startsWith(NS) || endKey.startsWith(NS)) {
      throw new Error(`first character of the key [${startKey}] contains a null character which is not allowed`);
    }
    return this.iterate(this.ledger.state, startKey, endKey);
  }
  getStateByPartialCompositeKey(objectType: string, attributes: string[]): AsyncIterable<KV> {
    const prefix = this.createCompositeKey(objectType, attributes);
    this.access.ranges.push({ start: prefix, end: prefix + MAX_RUNE });
    return this.iterate(this.ledger.state, prefix, prefix + MAX_RUNE);
  }

  async getStateByPartialCompositeKeyWithPagination(objectType: string, attributes: string[], pageSize: number, bookmark = '') {
    // As the peer: pagination is for read-only transactions.
    if (this.writes.size > 0) throw new Error('txSimulator does not support paginated queries after write operations');
    const prefix = this.createCompositeKey(objectType, attributes);
    const start = bookmark || prefix;
    const all = this.matching(this.ledger.state, start, prefix + MAX_RUNE);
    const page = all.slice(0, pageSize);
    this.access.ranges.push({ start, end: prefix + MAX_RUNE });
    this.roundTrips += 1;
    let position = 0;
    return {
      iterator: {
        async next(): Promise<{ done: boolean; value: KV }> {
          const value = page[position++];
          return value ? { done: false, value } : { done: true, value: undefined as unknown as KV };
        },
        async close() {},
      },
      metadata: { fetchedRecordsCount: page.length, bookmark: all[pageSize]?.key ?? '' },
    };
  }

  // --- private data ---
  async getPrivateData(collection: string, key: string): Promise<Uint8Array> {
    this.roundTrips += 1;
    return this.ledger.collections.get(collection)?.get(key) ?? Buffer.alloc(0);
  }
  async putPrivateData(collection: string, key: string, value: Uint8Array): Promise<void> {
    this.roundTrips += 1;
    if (!collection) throw new Error('collection must be named');
    let writes = this.privateWrites.get(collection);
    if (!writes) {
      writes = new Map();
      this.privateWrites.set(collection, writes);
    }
    writes.set(key, value.length === 0 ? null : Buffer.from(value));
  }
  getPrivateDataByPartialCompositeKey(collection: string, objectType: string, attributes: string[]): AsyncIterable<KV> {
    const prefix = this.createCompositeKey(objectType, attributes);
    return this.iterate(this.ledger.collections.get(collection) ?? new Map(), prefix, prefix + MAX_RUNE);
  }

  // --- commit ---
  pendingWrites(): number {
    let n = this.writes.size;
    for (const w of this.privateWrites.values()) n += w.size;
    return n;
  }
  commit(): void {
    apply(this.ledger.state, this.writes);
    for (const [name, writes] of this.privateWrites) apply(this.ledger.collection(name), writes);
    if (this.event) this.ledger.recordEvent(this.txId, this.event);
  }

  private matching(store: Store, startKey: string, endKey: string): KV[] {
    return [...store.keys()]
      .filter((k) => byteCompare(k, startKey) >= 0 && (endKey === '' || byteCompare(k, endKey) < 0))
      .sort(byteCompare)
      .map((key) => ({ key, value: store.get(key) as Buffer }));
  }

  private iterate(store: Store, startKey: string, endKey: string): AsyncIterable<KV> & { close(): Promise<void> } {
    // Snapshot at the call, as a peer does; pages of 100 count as round trips.
    const matches = this.matching(store, startKey, endKey).slice(0, this.ledger.totalQueryLimit);
    this.roundTrips += 1 + Math.floor(matches.length / 100);
    return {
      async *[Symbol.asyncIterator]() {
        yield* matches;
      },
      async close() {},
    };
  }
}

function apply(store: Store, writes: Map<string, Buffer | null>): void {
  for (const [key, value] of writes) {
    if (value === null) store.delete(key);
    else store.set(key, value);
  }
}
