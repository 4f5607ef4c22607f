import crypto from 'node:crypto';
import { ledger } from '@hyperledger/fabric-protos';
import { PUBLIC_SPACE, type ReadWriteSet, type Version } from '../../src/ledger/types';

const kv = ledger.rwset.kvrwset;
const sha256 = (data: Uint8Array | string) => crypto.createHash('sha256').update(data).digest();

function versionProto(version: Version | null): InstanceType<typeof kv.Version> | undefined {
  if (!version) return undefined;
  const v = new kv.Version();
  v.setBlockNum(version.blockNum);
  v.setTxNum(version.txNum);
  return v;
}

/** google-protobuf encoding of the read/write set (the codec before hand-written wire encoding), as a reference. */
export function encodeTxReadWriteSetReference(namespace: string, rwset: ReadWriteSet): Uint8Array {
  const publicSet = new kv.KVRWSet();
  for (const [key, version] of rwset.reads.get(PUBLIC_SPACE) ?? []) {
    const read = new kv.KVRead();
    read.setKey(key);
    const v = versionProto(version);
    if (v) read.setVersion(v);
    publicSet.addReads(read);
  }
  for (const range of rwset.ranges.filter((r) => r.space === PUBLIC_SPACE)) {
    const info = new kv.RangeQueryInfo();
    info.setStartKey(range.startKey);
    info.setEndKey(range.endKey);
    info.setItrExhausted(range.exhausted);
    const reads = new kv.QueryReads();
    reads.setKvReadsList(
      range.results.map((r) => {
        const read = new kv.KVRead();
        read.setKey(r.key);
        read.setVersion(versionProto(r.version));
        return read;
      }),
    );
    info.setRawReads(reads);
    publicSet.addRangeQueriesInfo(info);
  }
  for (const [key, value] of rwset.writes.get(PUBLIC_SPACE) ?? []) {
    const write = new kv.KVWrite();
    write.setKey(key);
    write.setIsDelete(value === null);
    if (value) write.setValue(value);
    publicSet.addWrites(write);
  }
  for (const [key, entries] of rwset.metadataWrites.get(PUBLIC_SPACE) ?? []) {
    const write = new kv.KVMetadataWrite();
    write.setKey(key);
    for (const [name, value] of entries) {
      const entry = new kv.KVMetadataEntry();
      entry.setName(name);
      entry.setValue(value);
      write.addEntries(entry);
    }
    publicSet.addMetadataWrites(write);
  }

  const ns = new ledger.rwset.NsReadWriteSet();
  ns.setNamespace(namespace);
  ns.setRwset(publicSet.serializeBinary());
  const collections = new Set([...rwset.reads.keys(), ...rwset.writes.keys()].filter((s) => s !== PUBLIC_SPACE));
  for (const collection of [...collections].sort()) {
    const hashed = new kv.HashedRWSet();
    for (const [key, version] of rwset.reads.get(collection) ?? []) {
      const read = new kv.KVReadHash();
      read.setKeyHash(sha256(key));
      const v = versionProto(version);
      if (v) read.setVersion(v);
      hashed.addHashedReads(read);
    }
    for (const [key, value] of rwset.writes.get(collection) ?? []) {
      const write = new kv.KVWriteHash();
      write.setKeyHash(sha256(key));
      write.setIsDelete(value === null);
      if (value) write.setValueHash(sha256(value));
      hashed.addHashedWrites(write);
    }
    const hashedBytes = hashed.serializeBinary();
    const collectionSet = new ledger.rwset.CollectionHashedReadWriteSet();
    collectionSet.setCollectionName(collection);
    collectionSet.setHashedRwset(hashedBytes);
    collectionSet.setPvtRwsetHash(sha256(hashedBytes));
    ns.addCollectionHashedRwset(collectionSet);
  }
  const tx = new ledger.rwset.TxReadWriteSet();
  tx.setDataModel(ledger.rwset.TxReadWriteSet.DataModel.KV);
  tx.setNsRwsetList([ns]);
  return tx.serializeBinary();
}
