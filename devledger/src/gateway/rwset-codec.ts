import crypto from 'node:crypto';
import { PUBLIC_SPACE, type RangeRead, type ReadWriteSet, type Version } from '../ledger/types';
import { delimitedSize, MessageWriter, varintSize } from '../protobuf/wire';

const sha256 = (data: Uint8Array | string) => crypto.createHash('sha256').update(data).digest();

/** Size of kvrwset.Version{block_num = 1, tx_num = 2}. */
function versionSize(version: Version): number {
  return (version.blockNum ? 1 + varintSize(version.blockNum) : 0) + (version.txNum ? 1 + varintSize(version.txNum) : 0);
}

/** Writes kvrwset.Version{block_num, tx_num} as field `field` of `out`, or nothing for a key that was absent. */
function writeVersion(out: MessageWriter, field: number, version: Version | null): void {
  if (version) out.header(field, versionSize(version)).varint(1, version.blockNum).varint(2, version.txNum);
}

/** Writes kvrwset.KVRead{key = 1, version = 2} in place as field `field` of `out` (there can be 100,000 of them). */
function writeKvRead(out: MessageWriter, field: number, key: string, version: Version | null): void {
  const keyLength = Buffer.byteLength(key, 'utf8');
  const length = (keyLength > 0 ? delimitedSize(keyLength) : 0) + (version ? delimitedSize(versionSize(version)) : 0);
  out.header(field, length).bytes(1, key);
  writeVersion(out, 2, version);
}

/** Writes kvrwset.KVWrite{key = 1, is_delete = 2, value = 3} in place as field `field` of `out`. */
function writeKvWrite(out: MessageWriter, field: number, key: string, value: Buffer | null): void {
  const keyLength = Buffer.byteLength(key, 'utf8');
  const valueLength = value?.length ?? 0;
  const length = (keyLength > 0 ? delimitedSize(keyLength) : 0) + (value === null ? 2 : 0) + (valueLength > 0 ? delimitedSize(valueLength) : 0);
  out.header(field, length).bytes(1, key).varint(2, value === null).bytes(3, value ?? undefined);
}

/** kvrwset.RangeQueryInfo{start_key, end_key, itr_exhausted, raw_reads: QueryReads{kv_reads}} */
function rangeQueryInfo(range: RangeRead): MessageWriter {
  const reads = new MessageWriter();
  for (const r of range.results) writeKvRead(reads, 1, r.key, r.version);
  return new MessageWriter().bytes(1, range.startKey).bytes(2, range.endKey).varint(3, range.exhausted).bytes(4, reads, true);
}

/**
 * Encodes a simulation's read/write set as Fabric's TxReadWriteSet (the bytes that go into
 * ChaincodeAction.results): public reads, ranges, writes and metadata writes in the chaincode's
 * namespace, and private collections as hashed read/write sets, as a real peer records them.
 * The bytes equal google-protobuf's serialisation of the same messages (see the codec test).
 */
export function encodeTxReadWriteSet(namespace: string, rwset: ReadWriteSet): Buffer {
  return txReadWriteSetWriter(namespace, rwset).finish();
}

/** The TxReadWriteSet as a writer, to nest in the transaction without copying it first. */
export function txReadWriteSetWriter(namespace: string, rwset: ReadWriteSet): MessageWriter {
  // kvrwset.KVRWSet{reads, range_queries_info, writes, metadata_writes}
  const publicSet = new MessageWriter();
  for (const [key, version] of rwset.reads.get(PUBLIC_SPACE) ?? []) writeKvRead(publicSet, 1, key, version);
  for (const range of rwset.ranges) if (range.space === PUBLIC_SPACE) publicSet.bytes(2, rangeQueryInfo(range), true);
  for (const [key, value] of rwset.writes.get(PUBLIC_SPACE) ?? []) writeKvWrite(publicSet, 3, key, value);
  for (const [key, entries] of rwset.metadataWrites.get(PUBLIC_SPACE) ?? []) {
    // KVMetadataWrite{key, entries: KVMetadataEntry{name, value}}
    const write = new MessageWriter().bytes(1, key);
    for (const [name, value] of entries) write.bytes(2, new MessageWriter().bytes(1, name).bytes(2, value).finish(), true);
    publicSet.bytes(4, write, true);
  }

  // rwset.NsReadWriteSet{namespace, rwset, collection_hashed_rwset}
  const ns = new MessageWriter().bytes(1, namespace).bytes(2, publicSet);
  const collections = new Set([...rwset.reads.keys(), ...rwset.writes.keys()].filter((s) => s !== PUBLIC_SPACE));
  for (const collection of [...collections].sort()) {
    // kvrwset.HashedRWSet{hashed_reads: KVReadHash{key_hash, version}, hashed_writes: KVWriteHash{key_hash, is_delete, value_hash}}
    const hashed = new MessageWriter();
    for (const [key, version] of rwset.reads.get(collection) ?? []) {
      // KVReadHash{key_hash = 1, version = 2}
      const keyHash = sha256(key);
      hashed.header(1, delimitedSize(keyHash.length) + (version ? delimitedSize(versionSize(version)) : 0)).bytes(1, keyHash);
      writeVersion(hashed, 2, version);
    }
    for (const [key, value] of rwset.writes.get(collection) ?? []) {
      const write = new MessageWriter()
        .bytes(1, sha256(key))
        .varint(2, value === null)
        .bytes(3, value ? sha256(value) : undefined)
        .finish();
      hashed.bytes(2, write, true);
    }
    const hashedBytes = hashed.finish();
    // rwset.CollectionHashedReadWriteSet{collection_name, hashed_rwset, pvt_rwset_hash}
    ns.bytes(3, new MessageWriter().bytes(1, collection).bytes(2, hashedBytes).bytes(3, sha256(hashedBytes)).finish(), true);
  }
  // rwset.TxReadWriteSet{data_model: KV (0, the default), ns_rwset}
  return new MessageWriter().bytes(2, ns, true);
}
