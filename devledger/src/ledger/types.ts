/** Shared ledger types: versions, state entries and the read/write set a simulation produces. */

/** A committed key's version: the block and the transaction within it that last wrote the key. */
export interface Version {
  blockNum: number;
  txNum: number;
}

export interface StateEntry {
  value: Buffer;
  version: Version;
  /** State metadata (e.g. VALIDATION_PARAMETER), name → bytes. */
  metadata?: Record<string, Buffer>;
}

/** The public world state is space ''; each private data collection is its own space. */
export const PUBLIC_SPACE = '';

export interface RangeRead {
  space: string;
  startKey: string;
  endKey: string;
  /** True when the chaincode consumed the whole range; otherwise validation re-checks only up to the last key it saw. */
  exhausted: boolean;
  results: { key: string; version: Version }[];
}

/** What a simulation read and wrote. Reads come from committed state only (no read-your-own-writes). */
export interface ReadWriteSet {
  /** space → key → version read (null = key absent). */
  reads: Map<string, Map<string, Version | null>>;
  /** space → key → new value (null = delete). */
  writes: Map<string, Map<string, Buffer | null>>;
  /** space → key → metadata name → value. */
  metadataWrites: Map<string, Map<string, Map<string, Buffer>>>;
  ranges: RangeRead[];
}

export function emptyReadWriteSet(): ReadWriteSet {
  return { reads: new Map(), writes: new Map(), metadataWrites: new Map(), ranges: [] };
}

export function hasWrites(rwset: ReadWriteSet): boolean {
  for (const keys of rwset.writes.values()) if (keys.size > 0) return true;
  for (const keys of rwset.metadataWrites.values()) if (keys.size > 0) return true;
  return false;
}

export function sameVersion(a: Version | null | undefined, b: Version | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.blockNum === b.blockNum && a.txNum === b.txNum;
}

/** Fabric transaction validation codes used here (peer.TxValidationCode). */
export const TxCode = {
  VALID: 0,
  MVCC_READ_CONFLICT: 11,
  PHANTOM_READ_CONFLICT: 12,
  DUPLICATE_TXID: 17,
} as const;
export type TxCodeValue = (typeof TxCode)[keyof typeof TxCode];

export interface ChaincodeEventRecord {
  name: string;
  payload: Buffer;
}

/** A transaction as the orderer hands it to the committer. */
export interface OrderedTransaction {
  txId: string;
  rwset: ReadWriteSet;
  event?: ChaincodeEventRecord;
  /** Client timestamp from the channel header, for history entries. */
  timestamp: { seconds: number; nanos: number };
}

export interface CommittedTransaction {
  txId: string;
  code: number;
  event?: ChaincodeEventRecord;
}

export interface CommittedBlock {
  number: number;
  transactions: CommittedTransaction[];
}
