/**
 * Batched reads and writes over fabric-shim's real handler and stub classes, with the peer played
 * by a recording fake: batches only when READY offers them, in the peer's chunk size, with the
 * last write of each key; one key at a time otherwise.
 */
import { EventEmitter } from 'events';
import path from 'path';
import type { ChaincodeStub } from 'fabric-shim-api';
import { finishWriteBatch, getMultipleStates, installShimBatching, peerBatchingOf, startWriteBatch } from '../../src/shimBatching';

const shimDir = path.dirname(require.resolve('fabric-shim'));
const { ChaincodeMessageHandler } = require(path.join(shimDir, 'lib', 'handler.js'));
const Stub = require(path.join(shimDir, 'lib', 'stub.js'));
const { peer } = require(require.resolve('@hyperledger/fabric-protos', { paths: [shimDir] }));
const jspb = require(require.resolve('google-protobuf', { paths: [shimDir] }));

interface Sent {
  type: number;
  payload: Uint8Array;
  txId: string;
}

/** ChaincodeAdditionalParams as the peer writes it in READY. */
function readyPayload(params: { writeBatch?: number; getMultiple?: number }): Uint8Array {
  const writer = new jspb.BinaryWriter();
  if (params.writeBatch) {
    writer.writeBool(1, true);
    writer.writeUint32(2, params.writeBatch);
  }
  if (params.getMultiple) {
    writer.writeBool(3, true);
    writer.writeUint32(4, params.getMultiple);
  }
  return writer.getResultBuffer();
}

function decodeRecords(payload: Uint8Array): { key: string; value?: string; collection: string; type: number }[] {
  const records: { key: string; value?: string; collection: string; type: number }[] = [];
  const outer = new jspb.BinaryReader(payload);
  while (outer.nextField()) {
    const record: { key: string; value?: string; collection: string; type: number } = { key: '', collection: '', type: 0 };
    outer.readMessage(record, (r: typeof record, reader: typeof outer) => {
      while (reader.nextField()) {
        const field = reader.getFieldNumber();
        if (field === 1) r.key = reader.readString();
        else if (field === 2) r.value = Buffer.from(reader.readBytes()).toString();
        else if (field === 3) r.collection = reader.readString();
        else if (field === 5) r.type = reader.readEnum();
        else reader.skipField();
      }
    });
    records.push(record);
  }
  return records;
}

function decodeKeys(payload: Uint8Array): string[] {
  const keys: string[] = [];
  const reader = new jspb.BinaryReader(payload);
  while (reader.nextField()) (reader.getFieldNumber() === 1 ? keys.push(reader.readString()) : reader.skipField());
  return keys;
}

/** A shim handler whose peer sent `ready` in READY, and a stub of one transaction on it. */
function connectedStub(ready: Uint8Array) {
  installShimBatching();
  const sent: Sent[] = [];
  const single: string[] = [];
  const state = new Map<string, string>([['k1', 'v1'], ['k3', 'v3']]);
  const stream = Object.assign(new EventEmitter(), { write: () => true, end: () => undefined });
  const handler = Object.create(ChaincodeMessageHandler.prototype);
  handler._stream = stream;
  handler.chat({});
  // The handshake as the peer makes it: REGISTERED, then READY with its terms.
  for (const [type, payload] of [[peer.ChaincodeMessage.Type.REGISTERED, new Uint8Array()], [peer.ChaincodeMessage.Type.READY, ready]] as const) {
    const message = new peer.ChaincodeMessage();
    message.setType(type);
    message.setPayload(payload);
    stream.emit('data', message);
  }
  handler._askPeerAndListen = async (msg: { getType(): number; getPayload_asU8(): Uint8Array; getTxid(): string }) => {
    sent.push({ type: msg.getType(), payload: msg.getPayload_asU8(), txId: msg.getTxid() });
    if (msg.getType() !== 25) return Buffer.alloc(0);
    const result = new jspb.BinaryWriter();
    for (const key of decodeKeys(msg.getPayload_asU8())) result.writeBytes(1, Buffer.from(state.get(key) ?? ''));
    return Buffer.from(result.getResultBuffer());
  };
  handler.handlePutState = async (_c: string, key: string) => void single.push(`put ${key}`);
  handler.handleDeleteState = async (_c: string, key: string) => void single.push(`delete ${key}`);
  handler.handleGetState = async (_c: string, key: string) => (single.push(`get ${key}`), Buffer.from(state.get(key) ?? ''));
  const stub = Object.assign(Object.create(Stub.prototype), { handler, txId: 'tx-1', channel_id: 'energy' }) as ChaincodeStub;
  return { stub, sent, single };
}

describe('peerBatchingOf', () => {
  it('reads the terms the peer offers and nothing from a READY without them (Fabric 2.x)', () => {
    expect(peerBatchingOf(readyPayload({ writeBatch: 1000, getMultiple: 500 }))).toEqual({ maxWriteBatch: 1000, maxGetMultiple: 500 });
    expect(peerBatchingOf(readyPayload({ writeBatch: 10 }))).toEqual({ maxWriteBatch: 10, maxGetMultiple: 0 });
    expect(peerBatchingOf(new Uint8Array())).toBeUndefined();
  });
});

describe('write batches', () => {
  it('holds writes until the end and sends the last write of each key in one WRITE_BATCH_STATE', async () => {
    const { stub, sent, single } = connectedStub(readyPayload({ writeBatch: 1000, getMultiple: 1000 }));
    startWriteBatch(stub);
    await stub.putState('a', Buffer.from('1'));
    await stub.putState('b', Buffer.from('2'));
    await stub.deleteState('a');
    await stub.putPrivateData('secrets', 'c', Buffer.from('3'));
    expect(sent).toHaveLength(0);
    await finishWriteBatch(stub);
    expect(single).toEqual([]);
    expect(sent.map((m) => [m.type, m.txId])).toEqual([[24, 'tx-1']]);
    expect(decodeRecords(sent[0]!.payload)).toEqual([
      { key: 'b', value: '2', collection: '', type: 9 },
      { key: 'a', collection: '', type: 10 },
      { key: 'c', value: '3', collection: 'secrets', type: 9 },
    ]);
    // After the batch, writes go one by one again.
    await stub.putState('d', Buffer.from('4'));
    expect(single).toEqual(['put d']);
  });

  it("splits a batch at the peer's maximum size", async () => {
    const { stub, sent } = connectedStub(readyPayload({ writeBatch: 2 }));
    startWriteBatch(stub);
    for (const key of ['a', 'b', 'c', 'd', 'e']) await stub.putState(key, Buffer.from(key));
    await finishWriteBatch(stub);
    expect(sent.map((m) => decodeRecords(m.payload).map((r) => r.key))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('writes one key at a time to a peer that offers no batches', async () => {
    const { stub, sent, single } = connectedStub(new Uint8Array());
    startWriteBatch(stub);
    await stub.putState('a', Buffer.from('1'));
    await stub.deleteState('b');
    await finishWriteBatch(stub);
    expect(single).toEqual(['put a', 'delete b']);
    expect(sent).toHaveLength(0);
  });
});

describe('getMultipleStates', () => {
  it('reads several keys in one GET_STATE_MULTIPLE, missing keys empty, in chunks of the peer maximum', async () => {
    const { stub, sent, single } = connectedStub(readyPayload({ getMultiple: 2 }));
    const values = await getMultipleStates(stub, ['k1', 'k2', 'k3']);
    expect(values.map((v) => Buffer.from(v).toString())).toEqual(['v1', '', 'v3']);
    expect(sent.map((m) => [m.type, decodeKeys(m.payload)])).toEqual([
      [25, ['k1', 'k2']],
      [25, ['k3']],
    ]);
    expect(single).toEqual([]);
  });

  it('reads one key at a time from a peer that offers no batched reads', async () => {
    const { stub, sent, single } = connectedStub(readyPayload({ writeBatch: 1000 }));
    const values = await getMultipleStates(stub, ['k1', 'k2']);
    expect(values.map((v) => Buffer.from(v).toString())).toEqual(['v1', '']);
    expect(single).toEqual(['get k1', 'get k2']);
    expect(sent).toHaveLength(0);
  });
});
