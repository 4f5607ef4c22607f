import crypto from 'node:crypto';
import { PUBLIC_SPACE, type RangeRead, type ReadWriteSet, type Version } from '../ledger/types';
import { MessageWriter } from '../protobuf/wire';

const sha256 = (data: Uint8Array | string) => crypto.createHash('sha256').update(data).digest();

/** kvrwset.Version{block_num, tx_num}, or nothing for a key that was absent. */
function versionBytes(version: Version | null): Buffer | undefined {
  return version ? new MessageWriter().varint(1, version.blockNum).varint(2, version.txNum).finish() : undefined;
}

/** kvrwset.KVRead{key, version} */
function kvRead(key: string, version: Version | null): Buffer {
  const versionMessage = versionBytes(version);
  return new MessageWriter().bytes(1, key).bytes(2, versionMessage, versionMessage !== undefined).finish();
}

/** kvrwset.RangeQueryInfo{start_key, end_key, itr_exhausted, raw_reads: QueryReads{kv_reads}} */
function rangeQueryInfo(range: RangeRead): MessageWriter {
  const reads = new MessageWriter();
  for (const r of range.results) reads.bytes(1, kvRead(r.key, r.version), true);
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
  for (const [key, version] of rwset.reads.get(PUBLIC_SPACE) ?? []) publicSet.bytes(1, kvRead(key, version), true);
  for (const range of rwset.ranges) if (range.space === PUBLIC_SPACE) publicSet.bytes(2, rangeQueryInfo(range), true);
  for (const [key, value] of rwset.writes.get(PUBLIC_SPACE) ?? []) {
    // KVWrite{key, is_delete, value}
    publicSet.bytes(3, new MessageWriter().bytes(1, key).varint(2, value === null).bytes(3, value ?? undefined).finish(), true);
  }
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
      const versionMessage = versionBytes(version);
      hashed.bytes(1, new MessageWriter().bytes(1, sha256(key)).bytes(2, versionMessage, versionMessage !== undefined).finish(), true);
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
