/**
 * The values the ledger stores, encoded as small protobuf-style messages (see protobuf/wire):
 * a state value is stored as its bytes plus a few varints instead of base64 inside JSON, which
 * made committing a key several times more expensive. Ledgers written before this encoding hold
 * JSON values; they are still read (a JSON value starts with `{` or a digit, never with a
 * protobuf tag byte).
 */
import type { ChaincodeEventRecord, StateEntry } from './types';
import { bytesOf, keptCopy, MessageWriter, readFields, stringOf, varintOf, type WireField } from '../protobuf/wire';

export interface HistoryRecord {
  txId: string;
  value: Buffer;
  isDelete: boolean;
  timestamp: { seconds: number; nanos: number };
}

export interface BlockRecord {
  txs: { txId: string; code: number; event?: ChaincodeEventRecord }[];
}

export interface TxRecord {
  blockNum: number;
  txNum: number;
  code: number;
}

const isJson = (stored: Uint8Array) => stored.length > 0 && (stored[0] === 0x7b || (stored[0]! >= 0x30 && stored[0]! <= 0x39));
const parseJson = <T>(stored: Uint8Array): T => JSON.parse(Buffer.from(stored.buffer, stored.byteOffset, stored.length).toString('utf8')) as T;
/** Room for a record's tags, lengths and varints besides its value (one scratch buffer, no joining copy). */
const RECORD_OVERHEAD = 48;

/** State{value = 1, block = 2, tx = 3, metadata = 4: Entry{name = 1, value = 2}} */
export function encodeState(entry: StateEntry): Buffer {
  const writer = new MessageWriter(entry.value.length + RECORD_OVERHEAD).bytes(1, entry.value).varint(2, entry.version.blockNum).varint(3, entry.version.txNum);
  for (const [name, value] of Object.entries(entry.metadata ?? {})) writer.bytes(4, new MessageWriter().bytes(1, name).bytes(2, value), true);
  return writer.finish();
}

export function decodeState(stored: Uint8Array): StateEntry {
  if (isJson(stored)) {
    const json = parseJson<{ v: string; b: number; t: number; m?: Record<string, string> }>(stored);
    const entry: StateEntry = { value: keptCopy(Buffer.from(json.v, 'base64')), version: { blockNum: json.b, txNum: json.t } };
    if (json.m) entry.metadata = Object.fromEntries(Object.entries(json.m).map(([n, v]) => [n, Buffer.from(v, 'base64')]));
    return entry;
  }
  const fields = readFields(stored);
  const entry: StateEntry = { value: keptCopy(bytesOf(fields, 1)), version: { blockNum: varintOf(fields, 2), txNum: varintOf(fields, 3) } };
  const metadata = repeated(fields, 4).map(readFields);
  if (metadata.length > 0) entry.metadata = Object.fromEntries(metadata.map((m) => [stringOf(m, 1), keptCopy(bytesOf(m, 2))]));
  return entry;
}

/** History{tx_id = 1, value = 2, is_delete = 3, seconds = 4, nanos = 5} */
export function encodeHistory(record: HistoryRecord): Buffer {
  return new MessageWriter(record.value.length + record.txId.length + RECORD_OVERHEAD)
    .bytes(1, record.txId)
    .bytes(2, record.isDelete ? undefined : record.value)
    .varint(3, record.isDelete)
    .varint(4, record.timestamp.seconds)
    .varint(5, record.timestamp.nanos)
    .finish();
}

export function decodeHistory(stored: Uint8Array): HistoryRecord {
  if (isJson(stored)) {
    const json = parseJson<{ id: string; v?: string; d: boolean; ts: [number, number] }>(stored);
    return { txId: json.id, value: json.v ? keptCopy(Buffer.from(json.v, 'base64')) : Buffer.alloc(0), isDelete: json.d, timestamp: { seconds: json.ts[0], nanos: json.ts[1] } };
  }
  const fields = readFields(stored);
  return {
    txId: stringOf(fields, 1),
    value: keptCopy(bytesOf(fields, 2)),
    isDelete: varintOf(fields, 3) === 1,
    timestamp: { seconds: varintOf(fields, 4), nanos: varintOf(fields, 5) },
  };
}

/** Block{tx = 1: Tx{tx_id = 1, code = 2, event_name = 3, event_payload = 4}} */
export function encodeBlock(block: BlockRecord): Buffer {
  const writer = new MessageWriter();
  for (const tx of block.txs) {
    const entry = new MessageWriter().bytes(1, tx.txId).varint(2, tx.code);
    if (tx.event) entry.bytes(3, tx.event.name, true).bytes(4, tx.event.payload);
    writer.bytes(1, entry, true);
  }
  return writer.finish();
}

export function decodeBlock(stored: Uint8Array): BlockRecord {
  if (isJson(stored)) {
    const json = parseJson<{ txs: { id: string; c: number; e?: { n: string; p: string } }[] }>(stored);
    return {
      txs: json.txs.map((tx) => ({ txId: tx.id, code: tx.c, ...(tx.e ? { event: { name: tx.e.n, payload: Buffer.from(tx.e.p, 'base64') } } : {}) })),
    };
  }
  return {
    txs: repeated(readFields(stored), 1).map((bytes) => {
      const tx = readFields(bytes);
      const hasEvent = tx.some((f) => f.field === 3);
      return {
        txId: stringOf(tx, 1),
        code: varintOf(tx, 2),
        ...(hasEvent ? { event: { name: stringOf(tx, 3), payload: keptCopy(bytesOf(tx, 4)) } } : {}),
      };
    }),
  };
}

/** Tx{block = 1, tx = 2, code = 3} */
export function encodeTx(record: TxRecord): Buffer {
  return new MessageWriter().varint(1, record.blockNum).varint(2, record.txNum).varint(3, record.code).finish();
}

export function decodeTx(stored: Uint8Array): TxRecord {
  if (isJson(stored)) {
    const json = parseJson<{ b: number; t: number; c: number }>(stored);
    return { blockNum: json.b, txNum: json.t, code: json.c };
  }
  const fields = readFields(stored);
  return { blockNum: varintOf(fields, 1), txNum: varintOf(fields, 2), code: varintOf(fields, 3) };
}

/** Height{blocks = 1} */
export function encodeHeight(blocks: number): Buffer {
  return new MessageWriter().varint(1, blocks).finish();
}

export function decodeHeight(stored: Uint8Array): number {
  return isJson(stored) ? parseJson<number>(stored) : varintOf(readFields(stored), 1);
}

function repeated(fields: WireField[], field: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const f of fields) if (f.field === field && f.bytes) out.push(f.bytes);
  return out;
}
