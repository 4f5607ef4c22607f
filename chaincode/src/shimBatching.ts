/**
 * Batched ledger calls, as Fabric 3.1 offers them (RFC 0011, peer–chaincode optimization): several
 * keys read in one GET_STATE_MULTIPLE, and a transaction's writes sent in one WRITE_BATCH_STATE,
 * instead of one round trip to the peer per key. Each round trip costs both the peer and the
 * chaincode process CPU, and order placement — the market's busiest transaction — made seven.
 *
 * fabric-shim 2.5.8, the newest Node release, does not implement it yet (fabric-chaincode-node
 * issue #453). This adds it the way fabric-chaincode-go does: the peer says in its READY message
 * (ChaincodeAdditionalParams) whether it accepts batches and how large, and the stub batches only
 * then, in chunks of at most that size. Against a peer that does not say so (Fabric 2.x, which
 * would close the stream on an unknown message), every call goes one key at a time as before.
 *
 * What a transaction reads and writes does not change: the peer records each key of a batched
 * read in the read set as a single read would, applies a write batch's records in order, and a
 * transaction never reads its own writes on Fabric, so deferring writes to its end is invisible.
 */
import type { ChaincodeStub } from 'fabric-shim-api';
import { requireFromShim, requireShimFile } from './shimModules';

interface Message {
  getType(): number;
  getPayload_asU8(): Uint8Array;
}

interface ProtoClass<T> {
  new (): T;
  deserializeBinary(bytes: Uint8Array): T;
}

interface ChaincodeMessagePb {
  setType(type: number): void;
  setPayload(payload: Uint8Array): void;
  setTxid(txId: string): void;
  setChannelId(channelId: string): void;
}

interface ShimHandler {
  _stream: { on(event: 'data', listener: (message: Message) => void): void };
  _askPeerAndListen(message: ChaincodeMessagePb, method: string): Promise<Buffer>;
  [CAPABILITIES]?: PeerBatching;
}

interface ShimStub {
  handler: ShimHandler;
  channel_id: string;
  txId: string;
  [PENDING]?: Map<string, WriteRecord>;
}

/** What the peer accepts, from its READY message. */
export interface PeerBatching {
  maxWriteBatch: number;
  maxGetMultiple: number;
}

interface WriteRecord {
  type: 'put' | 'delete';
  collection: string;
  key: string;
  value?: Uint8Array;
}

const CAPABILITIES = Symbol.for('gridshare.shimBatching.peer');
const PENDING = Symbol.for('gridshare.shimBatching.pending');
const INSTALLED = Symbol.for('gridshare.shimBatching.installed');

interface BinaryWriter {
  writeBool(field: number, value: boolean): void;
  writeUint32(field: number, value: number): void;
  writeString(field: number, value: string): void;
  writeBytes(field: number, value: Uint8Array): void;
  writeEnum(field: number, value: number): void;
  writeMessage<T>(field: number, value: T, write: (value: T, writer: BinaryWriter) => void): void;
  getResultBuffer(): Uint8Array;
}

interface BinaryReader {
  nextField(): boolean;
  isEndGroup(): boolean;
  getFieldNumber(): number;
  readBool(): boolean;
  readUint32(): number;
  readBytes(): Uint8Array;
  skipField(): void;
}

/**
 * The batch messages are written with google-protobuf's wire reader and writer (fabric-shim's own
 * copy): fabric-protos 0.3, which generates them, would register its classes in the same global
 * protobuf namespace as fabric-shim's fabric-protos 0.2 and replace the classes the shim uses.
 */
const jspb = requireFromShim<{
  BinaryWriter: new () => BinaryWriter;
  BinaryReader: new (bytes: Uint8Array) => BinaryReader;
}>('google-protobuf');

/** protos.ChaincodeMessage.Type (fabric-protos peer/chaincode_shim.proto). */
const READY = 4;
const WRITE_BATCH_STATE = 24;
const GET_STATE_MULTIPLE = 25;
/** protos.WriteRecord.Type */
const RECORD_PUT = 9;
const RECORD_DELETE = 10;

function readFields(bytes: Uint8Array, onField: (field: number, reader: BinaryReader) => void): void {
  const reader = new jspb.BinaryReader(bytes);
  while (reader.nextField() && !reader.isEndGroup()) onField(reader.getFieldNumber(), reader);
}

/** The peer's batching terms from a READY payload; undefined when it offers neither. */
export function peerBatchingOf(readyPayload: Uint8Array): PeerBatching | undefined {
  // ChaincodeAdditionalParams{use_write_batch = 1, max_size_write_batch = 2, use_get_multiple_keys = 3, max_size_get_multiple_keys = 4}
  const params = { useWriteBatch: false, maxWriteBatch: 0, useGetMultiple: false, maxGetMultiple: 0 };
  readFields(readyPayload, (field, reader) => {
    if (field === 1) params.useWriteBatch = reader.readBool();
    else if (field === 2) params.maxWriteBatch = reader.readUint32();
    else if (field === 3) params.useGetMultiple = reader.readBool();
    else if (field === 4) params.maxGetMultiple = reader.readUint32();
    else reader.skipField();
  });
  const batching = {
    maxWriteBatch: params.useWriteBatch ? params.maxWriteBatch : 0,
    maxGetMultiple: params.useGetMultiple ? params.maxGetMultiple : 0,
  };
  return batching.maxWriteBatch > 0 || batching.maxGetMultiple > 0 ? batching : undefined;
}

/** fabric-shim's ChaincodeMessage class, the one its stream serializes. */
const ShimChaincodeMessage = requireFromShim<{ peer: { ChaincodeMessage: ProtoClass<ChaincodeMessagePb> } }>('@hyperledger/fabric-protos').peer.ChaincodeMessage;

/**
 * Teaches fabric-shim's message handler to remember the peer's batching terms from READY, and its
 * stub to hold writes while a batch is open. Idempotent.
 */
export function installShimBatching(): void {
  const { ChaincodeMessageHandler } = requireShimFile<{ ChaincodeMessageHandler: { prototype: ShimHandler & { chat(start: unknown): void } } & Record<symbol, boolean> }>('handler.js');
  if (ChaincodeMessageHandler[INSTALLED]) return;
  const chat = ChaincodeMessageHandler.prototype.chat;
  ChaincodeMessageHandler.prototype.chat = function (this: ShimHandler, start: unknown): void {
    chat.call(this, start);
    this._stream.on('data', (message) => {
      if (message.getType() === READY) this[CAPABILITIES] = peerBatchingOf(message.getPayload_asU8());
    });
  };

  // The shim's JavaScript methods, each with its own arguments.
  type StubMethod = (this: ShimStub, ...args: any[]) => Promise<unknown>;
  const proto = requireShimFile<{ prototype: Record<string, StubMethod> }>('stub.js').prototype;
  const original = (name: string): StubMethod => {
    const method = proto[name];
    if (typeof method !== 'function') throw new Error(`fabric-shim's stub has no ${name}`);
    return method;
  };
  const [putState, deleteState, putPrivateData, deletePrivateData] = ['putState', 'deleteState', 'putPrivateData', 'deletePrivateData'].map(original) as [StubMethod, StubMethod, StubMethod, StubMethod];
  const held = (stub: ShimStub, record: WriteRecord): boolean => {
    const pending = stub[PENDING];
    if (!pending) return false;
    const id = `${record.collection}\u0000${record.key}`;
    // Only the last write of a key counts; re-inserting keeps the batch in write order.
    pending.delete(id);
    pending.set(id, record);
    return true;
  };
  const bytes = (value: Uint8Array | string): Uint8Array => (typeof value === 'string' ? Buffer.from(value) : value);
  proto.putState = async function (this: ShimStub, key: string, value: Uint8Array | string) {
    if (held(this, { type: 'put', collection: '', key, value: bytes(value) })) return;
    return putState.call(this, key, value);
  };
  proto.deleteState = async function (this: ShimStub, key: string) {
    if (held(this, { type: 'delete', collection: '', key })) return;
    return deleteState.call(this, key);
  };
  proto.putPrivateData = async function (this: ShimStub, collection: string, key: string, value: Uint8Array | string) {
    if (collection && typeof collection === 'string' && key && typeof key === 'string' && value) {
      if (held(this, { type: 'put', collection, key, value: bytes(value) })) return;
    }
    return putPrivateData.call(this, collection, key, value);
  };
  proto.deletePrivateData = async function (this: ShimStub, collection: string, key: string) {
    if (collection && typeof collection === 'string' && key && typeof key === 'string') {
      if (held(this, { type: 'delete', collection, key })) return;
    }
    return deletePrivateData.call(this, collection, key);
  };
  // Other writes (metadata, purges) are not held: they flush what is pending first, so the peer
  // still sees every write in the order the contract made them.
  for (const name of ['setStateValidationParameter', 'setPrivateDataValidationParameter', 'purgePrivateData']) {
    const write = original(name);
    proto[name] = async function (this: ShimStub, ...args: unknown[]) {
      await sendPending(this);
      return write.apply(this, args);
    };
  }
  ChaincodeMessageHandler[INSTALLED] = true;
}

function batchingOf(stub: ChaincodeStub): PeerBatching | undefined {
  return (stub as unknown as ShimStub).handler?.[CAPABILITIES];
}

/** Holds this transaction's writes until {@link finishWriteBatch}, if the peer accepts batches. */
export function startWriteBatch(stub: ChaincodeStub): void {
  const shimStub = stub as unknown as ShimStub;
  if ((batchingOf(stub)?.maxWriteBatch ?? 0) > 0 && !shimStub[PENDING]) shimStub[PENDING] = new Map();
}

/** Sends the held writes, in batches of at most the peer's size, and stops holding. */
export async function finishWriteBatch(stub: ChaincodeStub): Promise<void> {
  const shimStub = stub as unknown as ShimStub;
  await sendPending(shimStub);
  delete shimStub[PENDING];
}

async function sendPending(stub: ShimStub): Promise<void> {
  const pending = stub[PENDING];
  const max = stub.handler?.[CAPABILITIES]?.maxWriteBatch ?? 0;
  if (!pending || pending.size === 0 || max <= 0) return;
  const records = [...pending.values()];
  pending.clear();
  for (let start = 0; start < records.length; start += max) {
    // WriteBatchState{repeated WriteRecord rec = 1}; WriteRecord{key = 1, value = 2, collection = 3, type = 5}
    const batch = new jspb.BinaryWriter();
    for (const record of records.slice(start, start + max)) {
      batch.writeMessage(1, record, (r, writer) => {
        writer.writeString(1, r.key);
        if (r.value) writer.writeBytes(2, r.value);
        if (r.collection) writer.writeString(3, r.collection);
        writer.writeEnum(5, r.type === 'put' ? RECORD_PUT : RECORD_DELETE);
      });
    }
    await ask(stub, WRITE_BATCH_STATE, batch.getResultBuffer(), 'WriteBatchState');
  }
}

function ask(stub: ShimStub, type: number, payload: Uint8Array, method: string): Promise<Buffer> {
  const message = new ShimChaincodeMessage();
  message.setType(type);
  message.setPayload(payload);
  message.setTxid(stub.txId);
  message.setChannelId(stub.channel_id);
  return stub.handler._askPeerAndListen(message, method);
}

/**
 * The values of several public keys (empty for a missing key), in one request per batch when the
 * peer offers GET_STATE_MULTIPLE, else one GET_STATE each.
 */
export async function getMultipleStates(stub: ChaincodeStub, keys: readonly string[]): Promise<Uint8Array[]> {
  const max = batchingOf(stub)?.maxGetMultiple ?? 0;
  if (max <= 0 || keys.length < 2) {
    const values: Uint8Array[] = [];
    for (const key of keys) values.push(await stub.getState(key));
    return values;
  }
  const values: Uint8Array[] = [];
  for (let start = 0; start < keys.length; start += max) {
    // GetStateMultiple{repeated string keys = 1, collection = 2}; GetStateMultipleResult{repeated bytes values = 1}
    const request = new jspb.BinaryWriter();
    for (const key of keys.slice(start, start + max)) request.writeString(1, key);
    const reply = await ask(stub as unknown as ShimStub, GET_STATE_MULTIPLE, request.getResultBuffer(), 'GetStateMultiple');
    readFields(reply, (field, reader) => (field === 1 ? values.push(reader.readBytes()) : reader.skipField()));
  }
  if (values.length !== keys.length) throw new Error(`the peer returned ${values.length} values for ${keys.length} keys`);
  return values;
}
