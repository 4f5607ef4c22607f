import { ClassicLevel } from 'classic-level';
import { KeySpace } from './keyspace';
import { decodeBlock, decodeHeight, decodeHistory, decodeState, decodeTx, encodeBlock, encodeHeight, encodeHistory, encodeState, encodeTx, type HistoryRecord } from './records';
import {
  type CommittedBlock,
  type OrderedTransaction,
  type StateEntry,
  PUBLIC_SPACE,
  TxCode,
} from './types';
import { type StateView, validateBlock } from './validation';

/**
 * On-disk layout (one classic-level database, every block written as one atomic batch; values are
 * encoded by ./records):
 *   s\0<space>\0<key>            → state: value, version, metadata (space '' = public, else collection)
 *   h\0<key>\0<block:16><tx:8>   → history of public keys (hex-padded numbers): tx ID, value, delete flag, timestamp
 *   b\0<block:16>                → block contents: tx IDs, codes, events
 *   x\0<txId>                    → transaction index: block, position, code
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

export type HistoryEntry = HistoryRecord;

export interface TxStatus {
  blockNum: number;
  code: number;
}

/** Versioned world state, private data, history, blocks and the tx index; memory-resident, persisted per block. */
export class Ledger implements StateView {
  private readonly spaces = new Map<string, KeySpace>();
  private readonly txIndex = new Map<string, TxStatus>();
  private blockCount = 0;

  private constructor(private readonly db: ClassicLevel<string, Buffer>) {}

  static async open(location: string): Promise<Ledger> {
    const db = new ClassicLevel<string, Buffer>(location, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
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
      entries.push(decodeHistory(raw));
    }
    return entries;
  }

  async readBlock(blockNum: number): Promise<CommittedBlock | undefined> {
    const raw = await this.db.get(blockKey(blockNum));
    if (!raw) return undefined;
    return { number: blockNum, transactions: decodeBlock(raw).txs };
  }

  /** Validates the transactions in order, writes the block atomically, then updates memory. */
  async commitBlock(txs: OrderedTransaction[]): Promise<CommittedBlock> {
    const blockNum = this.blockCount;
    const { codes, updates } = validateBlock(blockNum, txs, this, (id) => this.txIndex.has(id));
    // One array batch: a single call into the store for the whole block.
    const ops: ({ type: 'put'; key: string; value: Buffer } | { type: 'del'; key: string })[] = [];
    const put = (key: string, value: Buffer) => ops.push({ type: 'put', key, value });

    for (const [space, keys] of updates) {
      for (const [key, entry] of keys) {
        if (entry) put(stateKey(space, key), encodeState(entry));
        else ops.push({ type: 'del', key: stateKey(space, key) });
      }
    }
    const block: CommittedBlock = { number: blockNum, transactions: [] };
    txs.forEach((tx, txNum) => {
      const code = codes[txNum]!;
      block.transactions.push({ txId: tx.txId, code, ...(tx.event && code === TxCode.VALID ? { event: tx.event } : {}) });
      if (code !== TxCode.DUPLICATE_TXID) put(txKey(tx.txId), encodeTx({ blockNum, txNum, code }));
      if (code !== TxCode.VALID) return;
      const suffix = hex(blockNum, 16) + hex(txNum, 8);
      for (const [key, value] of tx.rwset.writes.get(PUBLIC_SPACE) ?? []) {
        const isDelete = value === null || value.length === 0;
        put(historyPrefix(key) + suffix, encodeHistory({ txId: tx.txId, value: value ?? EMPTY, isDelete, timestamp: tx.timestamp }));
      }
    });
    put(blockKey(blockNum), encodeBlock({ txs: block.transactions }));
    put(HEIGHT_KEY, encodeHeight(blockNum + 1));
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
    const height = await this.db.get(HEIGHT_KEY);
    this.blockCount = height ? decodeHeight(height) : 0;
    for await (const [k, raw] of this.db.iterator({ gte: `s${SEP}`, lt: `s\u0001` })) {
      const rest = k.slice(2);
      const sep = rest.indexOf(SEP);
      this.space(rest.slice(0, sep)).set(rest.slice(sep + 1), decodeState(raw));
    }
    for await (const [k, raw] of this.db.iterator({ gte: `x${SEP}`, lt: `x\u0001` })) {
      const tx = decodeTx(raw);
      this.txIndex.set(k.slice(2), { blockNum: tx.blockNum, code: tx.code });
    }
  }
}

const EMPTY = Buffer.alloc(0);
