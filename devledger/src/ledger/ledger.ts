import { ClassicLevel } from 'classic-level';
import { KeySpace } from './keyspace';
import {
  type ChaincodeEventRecord,
  type CommittedBlock,
  type OrderedTransaction,
  type StateEntry,
  PUBLIC_SPACE,
  TxCode,
} from './types';
import { type StateView, validateBlock } from './validation';

/**
 * On-disk layout (one classic-level database, every block written as one atomic batch):
 *   s\0<space>\0<key>            → {v, b, t, m?}    current state (space '' = public, else collection)
 *   h\0<key>\0<block:16><tx:8>   → {id, v?, d, ts}  history of public keys (hex-padded numbers)
 *   b\0<block:16>                → {txs:[{id, c, e?}]} block contents: tx IDs, codes, events
 *   x\0<txId>                    → {b, t, c}        transaction index
 *   m\0height                    → number of blocks
 */
const SEP = '\u0000';
const stateKey = (space: string, key: string) => `s${SEP}${space}${SEP}${key}`;
const historyPrefix = (key: string) => `h${SEP}${key}${SEP}`;
const blockKey = (n: number) => `b${SEP}${hex(n, 16)}`;
const txKey = (txId: string) => `x${SEP}${txId}`;
const HEIGHT_KEY = `m${SEP}height`;
const HISTORY_SUFFIX_LENGTH = 24;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

interface StoredState {
  v: string;
  b: number;
  t: number;
  m?: Record<string, string>;
}
interface StoredHistory {
  id: string;
  v?: string;
  d: boolean;
  ts: [number, number];
}
interface StoredBlock {
  txs: { id: string; c: number; e?: { n: string; p: string } }[];
}
interface StoredTx {
  b: number;
  t: number;
  c: number;
}

export interface HistoryEntry {
  txId: string;
  value: Buffer;
  isDelete: boolean;
  timestamp: { seconds: number; nanos: number };
}

export interface TxStatus {
  blockNum: number;
  code: number;
}

type Json = StoredState | StoredHistory | StoredBlock | StoredTx | number;

/** Versioned world state, private data, history, blocks and the tx index; memory-resident, persisted per block. */
export class Ledger implements StateView {
  private readonly spaces = new Map<string, KeySpace>();
  private readonly txIndex = new Map<string, TxStatus>();
  private blockCount = 0;

  private constructor(private readonly db: ClassicLevel<string, Json>) {}

  static async open(location: string): Promise<Ledger> {
    const db = new ClassicLevel<string, Json>(location, { keyEncoding: 'utf8', valueEncoding: 'json' });
    await db.open();
    const ledger = new Ledger(db);
    await ledger.load();
    return ledger;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  get height(): number {
    return this.blockCount;
  }

  get(space: string, key: string): StateEntry | undefined {
    return this.spaces.get(space)?.get(key);
  }

  range(space: string, startKey: string, endKey: string): Iterable<[string, StateEntry]> {
    const keySpace = this.spaces.get(space);
    return keySpace ? keySpace.range(startKey, endKey) : [];
  }

  txStatus(txId: string): TxStatus | undefined {
    return this.txIndex.get(txId);
  }

  /** Public key history, newest first (as Fabric 2.x returns it). */
  async history(key: string): Promise<HistoryEntry[]> {
    const prefix = historyPrefix(key);
    const entries: HistoryEntry[] = [];
    for await (const [k, raw] of this.db.iterator({ gte: prefix, lt: prefix + '\uffff', reverse: true })) {
      // Composite keys contain \0, so a longer key can share this prefix: require an exact suffix length.
      if (k.length - prefix.length !== HISTORY_SUFFIX_LENGTH) continue;
      const h = raw as StoredHistory;
      entries.push({
        txId: h.id,
        value: h.v ? Buffer.from(h.v, 'base64') : Buffer.alloc(0),
        isDelete: h.d,
        timestamp: { seconds: h.ts[0], nanos: h.ts[1] },
      });
    }
    return entries;
  }

  async readBlock(blockNum: number): Promise<CommittedBlock | undefined> {
    const raw = (await this.db.get(blockKey(blockNum))) as StoredBlock | undefined;
    if (!raw) return undefined;
    return {
      number: blockNum,
      transactions: raw.txs.map((tx) => ({
        txId: tx.id,
        code: tx.c,
        ...(tx.e ? { event: { name: tx.e.n, payload: Buffer.from(tx.e.p, 'base64') } } : {}),
      })),
    };
  }

  /** Validates the transactions in order, writes the block atomically, then updates memory. */
  async commitBlock(txs: OrderedTransaction[]): Promise<CommittedBlock> {
    const blockNum = this.blockCount;
    const { codes, updates } = validateBlock(blockNum, txs, this, (id) => this.txIndex.has(id));
    // One array batch: a single call into the store for the whole block.
    const ops: ({ type: 'put'; key: string; value: Json } | { type: 'del'; key: string })[] = [];
    const put = (key: string, value: Json) => ops.push({ type: 'put', key, value });

    for (const [space, keys] of updates) {
      for (const [key, entry] of keys) {
        if (entry) put(stateKey(space, key), toStored(entry));
        else ops.push({ type: 'del', key: stateKey(space, key) });
      }
    }
    const block: CommittedBlock = { number: blockNum, transactions: [] };
    txs.forEach((tx, txNum) => {
      const code = codes[txNum]!;
      block.transactions.push({ txId: tx.txId, code, ...(tx.event && code === TxCode.VALID ? { event: tx.event } : {}) });
      if (code !== TxCode.DUPLICATE_TXID) put(txKey(tx.txId), { b: blockNum, t: txNum, c: code });
      if (code !== TxCode.VALID) return;
      for (const [key, value] of tx.rwset.writes.get(PUBLIC_SPACE) ?? []) {
        const deleted = value === null || value.length === 0;
        const history: StoredHistory = {
          id: tx.txId,
          d: deleted,
          ts: [tx.timestamp.seconds, tx.timestamp.nanos],
          ...(deleted ? {} : { v: value.toString('base64') }),
        };
        put(historyPrefix(key) + hex(blockNum, 16) + hex(txNum, 8), history);
      }
    });
    const storedBlock: StoredBlock = {
      txs: block.transactions.map((tx) => ({ id: tx.txId, c: tx.code, ...(tx.event ? { e: storedEvent(tx.event) } : {}) })),
    };
    put(blockKey(blockNum), storedBlock);
    put(HEIGHT_KEY, blockNum + 1);
    await this.db.batch(ops);

    for (const [space, keys] of updates) {
      const keySpace = this.space(space);
      for (const [key, entry] of keys) {
        if (entry) keySpace.set(key, entry);
        else keySpace.delete(key);
      }
    }
    block.transactions.forEach((tx) => {
      if (tx.code !== TxCode.DUPLICATE_TXID) this.txIndex.set(tx.txId, { blockNum, code: tx.code });
    });
    this.blockCount = blockNum + 1;
    return block;
  }

  private space(space: string): KeySpace {
    let keySpace = this.spaces.get(space);
    if (!keySpace) this.spaces.set(space, (keySpace = new KeySpace()));
    return keySpace;
  }

  private async load(): Promise<void> {
    this.blockCount = ((await this.db.get(HEIGHT_KEY)) as number | undefined) ?? 0;
    for await (const [k, raw] of this.db.iterator({ gte: `s${SEP}`, lt: `s\u0001` })) {
      const rest = k.slice(2);
      const sep = rest.indexOf(SEP);
      this.space(rest.slice(0, sep)).set(rest.slice(sep + 1), fromStored(raw as StoredState));
    }
    for await (const [k, raw] of this.db.iterator({ gte: `x${SEP}`, lt: `x\u0001` })) {
      const tx = raw as StoredTx;
      this.txIndex.set(k.slice(2), { blockNum: tx.b, code: tx.c });
    }
  }
}

function storedEvent(event: ChaincodeEventRecord): { n: string; p: string } {
  return { n: event.name, p: event.payload.toString('base64') };
}

function toStored(entry: StateEntry): StoredState {
  const stored: StoredState = { v: entry.value.toString('base64'), b: entry.version.blockNum, t: entry.version.txNum };
  if (entry.metadata) {
    stored.m = Object.fromEntries(Object.entries(entry.metadata).map(([n, v]) => [n, v.toString('base64')]));
  }
  return stored;
}

function fromStored(stored: StoredState): StateEntry {
  const entry: StateEntry = { value: Buffer.from(stored.v, 'base64'), version: { blockNum: stored.b, txNum: stored.t } };
  if (stored.m) entry.metadata = Object.fromEntries(Object.entries(stored.m).map(([n, v]) => [n, Buffer.from(v, 'base64')]));
  return entry;
}
