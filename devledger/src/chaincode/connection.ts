import * as grpc from '@grpc/grpc-js';
import { ledger as ledgerProtos, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { DevLedgerError } from '../errors';
import type { HistoryEntry } from '../ledger/ledger';
import type { ChaincodeEventRecord } from '../ledger/types';
import { keptCopy, MessageWriter } from '../protobuf/wire';
import { type ChaincodeMessage, ChaincodeStreamClient, decodeKeyRequest, decodePutState, decodeResponse } from './messages';
import type { KeyValue, QueryBatch, TxSimulation } from './simulation';

const T = peer.ChaincodeMessage.Type;
type MessageType = (typeof T)[keyof typeof T];
const TYPE_NAMES = new Map<number, string>(Object.entries(T).map(([name, type]) => [type, name]));

/** How many state requests of each ChaincodeMessage type the chaincode has sent. */
export type RequestCounts = Map<string, number>;

export interface ChaincodeResponse {
  status: number;
  message: string;
  payload: Buffer;
}

export interface ExecutionResult {
  response: ChaincodeResponse;
  event?: ChaincodeEventRecord;
}

export interface ExecutionRequest {
  txId: string;
  channelId: string;
  /** ChaincodeInput bytes from the proposal. */
  inputBytes: Uint8Array;
  /** The client's encoded SignedProposal, forwarded as it arrived. */
  signedProposal: Uint8Array;
  simulation: TxSimulation;
}

interface RunningTx {
  simulation: TxSimulation;
  resolve(result: ExecutionResult): void;
  reject(error: Error): void;
}

/**
 * The peer's side of the chaincode stream for chaincode running as a service: the peer dials
 * protos.Chaincode/Connect, the chaincode sends REGISTER, the peer answers REGISTERED and READY,
 * then sends TRANSACTION messages and serves the chaincode's state requests for each one.
 */
export class ChaincodeConnection {
  private readonly running = new Map<string, RunningTx>();
  private closedListeners: ((error: Error) => void)[] = [];
  private closed = false;

  private constructor(
    private readonly client: grpc.Client,
    private readonly stream: grpc.ClientDuplexStream<ChaincodeMessage, ChaincodeMessage>,
    readonly registeredName: string,
    private readonly requestCounts: RequestCounts,
  ) {
    stream.on('data', (message: ChaincodeMessage) => this.onMessage(message));
    stream.on('error', (error: Error) => this.terminate(new Error(`chaincode stream error: ${error.message}`)));
    stream.on('end', () => this.terminate(new Error('chaincode stream terminated')));
  }

  /** Dials the chaincode server and completes the REGISTER → REGISTERED → READY handshake. */
  static async connect(address: string, timeoutMs = 30_000, requestCounts: RequestCounts = new Map()): Promise<ChaincodeConnection> {
    const client = new ChaincodeStreamClient(address, grpc.credentials.createInsecure(), {
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': -1,
      'grpc.enable_channelz': 0,
      // A chaincode stream is never replayed; without retries grpc-js does not buffer and track every message sent.
      'grpc.enable_retries': 0,
    });
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + timeoutMs, (error) =>
        error ? reject(new Error(`chaincode server at ${address} is not reachable: ${error.message}`)) : resolve(),
      ),
    );
    const stream = (client as unknown as { connect(): grpc.ClientDuplexStream<ChaincodeMessage, ChaincodeMessage> }).connect();
    const registeredName = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`chaincode at ${address} did not REGISTER within ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        stream.removeAllListeners();
        stream.cancel();
        reject(error);
      };
      stream.once('error', (error: Error) => fail(error));
      stream.once('data', (message: ChaincodeMessage) => {
        clearTimeout(timer);
        stream.removeAllListeners();
        if (message.type !== T.REGISTER) {
          fail(new Error(`chaincode sent ${message.type} instead of REGISTER`));
          return;
        }
        resolve(peer.ChaincodeID.deserializeBinary(message.payload).getName());
      });
    });
    const connection = new ChaincodeConnection(client, stream, registeredName, requestCounts);
    connection.send(T.REGISTERED, '', '', new Uint8Array());
    connection.send(T.READY, '', '', readyParams());
    return connection;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  onClosed(listener: (error: Error) => void): void {
    this.closedListeners.push(listener);
  }

  /** Runs one transaction; resolves with the chaincode's Response (status 500 included) and event. */
  execute(request: ExecutionRequest): Promise<ExecutionResult> {
    if (this.closed) return Promise.reject(new DevLedgerError('CHAINCODE_UNAVAILABLE', 'chaincode is not connected'));
    const contextId = request.channelId + request.txId;
    if (this.running.has(contextId)) {
      return Promise.reject(new DevLedgerError('TXID_IN_USE', `transaction ${request.txId} is already executing`));
    }
    return new Promise<ExecutionResult>((resolve, reject) => {
      this.running.set(contextId, { simulation: request.simulation, resolve, reject });
      this.stream.write({
        type: T.TRANSACTION,
        payload: request.inputBytes,
        txid: request.txId,
        channelId: request.channelId,
        proposal: request.signedProposal,
      } satisfies ChaincodeMessage);
    });
  }

  close(): void {
    this.terminate(new DevLedgerError('CHAINCODE_UNAVAILABLE', 'chaincode connection closed'));
  }

  private terminate(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const tx of this.running.values()) tx.reject(new DevLedgerError('CHAINCODE_UNAVAILABLE', error.message));
    this.running.clear();
    this.stream.cancel();
    this.client.close();
    for (const listener of this.closedListeners) listener(error);
  }

  private send(type: MessageType, txId: string, channelId: string, payload: Uint8Array): void {
    if (this.closed) return;
    this.stream.write({ type, txid: txId, channelId, payload } satisfies ChaincodeMessage);
  }

  private onMessage(message: ChaincodeMessage): void {
    const { txid: txId, channelId, type } = message;
    const contextId = channelId + txId;
    const tx = this.running.get(contextId);
    if (type === T.KEEPALIVE) return;
    if (!tx) {
      if (type !== T.COMPLETED && type !== T.ERROR) {
        this.send(T.ERROR, txId, channelId, Buffer.from(`no transaction ${txId} is executing on channel ${channelId}`));
      }
      return;
    }
    if (type === T.COMPLETED) {
      this.running.delete(contextId);
      const response = decodeResponse(message.payload);
      const event = message.event;
      tx.resolve({
        response: { status: response.status, message: response.message, payload: Buffer.from(response.payload) },
        ...(event ? { event: { name: event.name, payload: Buffer.from(event.payload) } } : {}),
      });
      return;
    }
    if (type === T.ERROR) {
      this.running.delete(contextId);
      tx.reject(new DevLedgerError('CHAINCODE_ERROR', Buffer.from(message.payload).toString('utf8')));
      return;
    }
    const name = TYPE_NAMES.get(type) ?? String(type);
    this.requestCounts.set(name, (this.requestCounts.get(name) ?? 0) + 1);
    // Answered in the same tick (no promise per message) unless the request needs the store.
    let reply: Uint8Array | Promise<Uint8Array>;
    try {
      reply = handleStateRequest(type as MessageType, message.payload, tx.simulation);
    } catch (error) {
      this.send(T.ERROR, txId, channelId, Buffer.from((error as Error).message));
      return;
    }
    if (reply instanceof Uint8Array) this.send(T.RESPONSE, txId, channelId, reply);
    else {
      reply.then(
        (payload) => this.send(T.RESPONSE, txId, channelId, payload),
        (error: Error) => this.send(T.ERROR, txId, channelId, Buffer.from(error.message)),
      );
    }
  }
}

const EMPTY = new Uint8Array(0);

/** Fabric 3.1's defaults (core.yaml chaincode.runtimeParams): batched writes and reads of up to 1,000 keys. */
const BATCH_LIMIT = 1000;

/** READY's ChaincodeAdditionalParams: the chaincode may batch its writes and reads, as on Fabric 3.1. */
function readyParams(): Uint8Array {
  const params = new peer.ChaincodeAdditionalParams();
  params.setUseWriteBatch(true);
  params.setMaxSizeWriteBatch(BATCH_LIMIT);
  params.setUseGetMultipleKeys(true);
  params.setMaxSizeGetMultipleKeys(BATCH_LIMIT);
  return params.serializeBinary();
}

/** WRITE_BATCH_STATE: each record applied in order, as the single-key requests would be. */
function applyWriteBatch(payload: Uint8Array, sim: TxSimulation): void {
  const R = peer.WriteRecord.Type;
  for (const record of peer.WriteBatchState.deserializeBinary(payload).getRecList()) {
    const collection = record.getCollection();
    const key = record.getKey();
    switch (record.getType()) {
      case R.PUT_STATE:
        sim.putState(collection, key, keptCopy(record.getValue_asU8()));
        break;
      case R.DEL_STATE:
        sim.deleteState(collection, key);
        break;
      case R.PURGE_PRIVATE_DATA:
        if (!collection) throw new DevLedgerError('INVALID_ARGUMENT', 'purge requires a collection');
        sim.deleteState(collection, key);
        break;
      case R.PUT_STATE_METADATA: {
        const metadata = record.getMetadata();
        if (!metadata) throw new DevLedgerError('INVALID_ARGUMENT', 'PUT_STATE_METADATA without metadata');
        sim.putStateMetadata(collection, key, metadata.getMetakey(), keptCopy(metadata.getValue_asU8()));
        break;
      }
      default:
        throw new DevLedgerError('INVALID_ARGUMENT', 'unknown operation type');
    }
  }
}

/** Serves one state request from the chaincode against the transaction's simulation; only history reads wait for the store. */
function handleStateRequest(type: MessageType, payload: Uint8Array, sim: TxSimulation): Uint8Array | Promise<Uint8Array> {
  switch (type) {
    case T.GET_STATE: {
      const req = decodeKeyRequest(payload);
      return sim.getState(req.collection, req.key);
    }
    case T.GET_PRIVATE_DATA_HASH: {
      const req = peer.GetState.deserializeBinary(payload);
      return sim.getPrivateDataHash(req.getCollection(), req.getKey());
    }
    case T.PUT_STATE: {
      const req = decodePutState(payload);
      // A copy: the value's view points into the received message buffer.
      sim.putState(req.collection, req.key, keptCopy(req.value));
      return EMPTY;
    }
    case T.GET_STATE_MULTIPLE: {
      const req = peer.GetStateMultiple.deserializeBinary(payload);
      const result = new peer.GetStateMultipleResult();
      result.setValuesList(req.getKeysList().map((key) => sim.getState(req.getCollection(), key)));
      return result.serializeBinary();
    }
    case T.WRITE_BATCH_STATE:
      applyWriteBatch(payload, sim);
      return EMPTY;
    case T.DEL_STATE: {
      const req = decodeKeyRequest(payload);
      sim.deleteState(req.collection, req.key);
      return EMPTY;
    }
    case T.PURGE_PRIVATE_DATA: {
      const req = peer.PurgePrivateState.deserializeBinary(payload);
      if (!req.getCollection()) throw new DevLedgerError('INVALID_ARGUMENT', 'purge requires a collection');
      sim.deleteState(req.getCollection(), req.getKey());
      return new Uint8Array();
    }
    case T.GET_STATE_METADATA: {
      const req = peer.GetStateMetadata.deserializeBinary(payload);
      const result = new peer.StateMetadataResult();
      for (const [name, value] of Object.entries(sim.getStateMetadata(req.getCollection(), req.getKey()))) {
        const entry = new peer.StateMetadata();
        entry.setMetakey(name);
        entry.setValue(value);
        result.addEntries(entry);
      }
      return result.serializeBinary();
    }
    case T.PUT_STATE_METADATA: {
      const req = peer.PutStateMetadata.deserializeBinary(payload);
      const metadata = req.getMetadata();
      if (!metadata) throw new DevLedgerError('INVALID_ARGUMENT', 'PUT_STATE_METADATA without metadata');
      sim.putStateMetadata(req.getCollection(), req.getKey(), metadata.getMetakey(), keptCopy(metadata.getValue_asU8()));
      return new Uint8Array();
    }
    case T.GET_STATE_BY_RANGE: {
      const req = peer.GetStateByRange.deserializeBinary(payload);
      const metadataBytes = req.getMetadata_asU8();
      const page =
        metadataBytes.length > 0
          ? (() => {
              const m = peer.QueryMetadata.deserializeBinary(metadataBytes);
              return { pageSize: m.getPagesize(), bookmark: m.getBookmark() };
            })()
          : undefined;
      return encodeKvBatch(sim.openRange(req.getCollection(), req.getStartkey(), req.getEndkey(), page));
    }
    case T.QUERY_STATE_NEXT: {
      const id = peer.QueryStateNext.deserializeBinary(payload).getId();
      return encodeBatch(sim.nextBatch<KeyValue | HistoryEntry>(id));
    }
    case T.QUERY_STATE_CLOSE: {
      const id = peer.QueryStateClose.deserializeBinary(payload).getId();
      sim.closeIterator(id);
      const response = new peer.QueryResponse();
      response.setId(id);
      response.setHasMore(false);
      return response.serializeBinary();
    }
    case T.GET_HISTORY_FOR_KEY: {
      const req = peer.GetHistoryForKey.deserializeBinary(payload);
      return sim.openHistory(req.getKey()).then(encodeHistoryBatch);
    }
    case T.GET_QUERY_RESULT:
      throw new DevLedgerError('UNSUPPORTED', 'ExecuteQuery not supported for leveldb');
    default:
      throw new DevLedgerError('UNSUPPORTED', `the dev ledger does not support chaincode message type ${type}`);
  }
}

function encodeBatch(batch: QueryBatch<KeyValue | HistoryEntry>): Uint8Array {
  const first = batch.results[0];
  return first && 'txId' in first
    ? encodeHistoryBatch(batch as QueryBatch<HistoryEntry>)
    : encodeKvBatch(batch as QueryBatch<KeyValue>);
}

/** QueryResponse of queryresult.KV{namespace = 1, key = 2, value = 3}, written directly (a range can return 100,000 of them). */
function encodeKvBatch(batch: QueryBatch<KeyValue>): Uint8Array {
  return encodeQueryResponse(
    batch,
    batch.results.map((item) => new MessageWriter().bytes(2, item.key).bytes(3, item.value)),
  );
}

function encodeHistoryBatch(batch: QueryBatch<HistoryEntry>): Uint8Array {
  return encodeQueryResponse(
    batch,
    batch.results.map((item) => {
      const modification = new ledgerProtos.queryresult.KeyModification();
      modification.setTxId(item.txId);
      modification.setValue(item.value);
      modification.setIsDelete(item.isDelete);
      const timestamp = new Timestamp();
      timestamp.setSeconds(item.timestamp.seconds);
      timestamp.setNanos(item.timestamp.nanos);
      modification.setTimestamp(timestamp);
      return modification.serializeBinary();
    }),
  );
}

/** QueryResponse{results = 1: QueryResultBytes{result_bytes = 1}, has_more = 2, id = 3, metadata = 4: QueryResponseMetadata{fetched_records_count = 1, bookmark = 2}} */
function encodeQueryResponse(batch: QueryBatch<unknown>, results: (Uint8Array | MessageWriter)[]): Uint8Array {
  const response = new MessageWriter();
  for (const bytes of results) response.bytes(1, new MessageWriter().bytes(1, bytes), true);
  response.varint(2, batch.hasMore).bytes(3, batch.id);
  if (batch.pagination) {
    response.bytes(4, new MessageWriter().varint(1, batch.pagination.fetchedRecordsCount).bytes(2, batch.pagination.bookmark));
  }
  return response.finish();
}
