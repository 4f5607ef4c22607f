/**
 * protos.ChaincodeMessage on the peer's side of the chaincode stream, read and written at the wire
 * level: the client's signed proposal is forwarded as the bytes it arrived in, and the common
 * state requests (GET_STATE, PUT_STATE, DEL_STATE) and COMPLETED responses are read in place.
 */
import * as grpc from '@grpc/grpc-js';
import { bytesOf, int32Of, MessageWriter, readFields, stringOf, varintOf } from '../protobuf/wire';

export interface ChaincodeMessage {
  type: number;
  payload: Uint8Array;
  txid: string;
  channelId: string;
  /** Encoded peer.SignedProposal (TRANSACTION only). */
  proposal?: Uint8Array;
  /** ChaincodeEvent set by the chaincode (COMPLETED only). */
  event?: { name: string; payload: Uint8Array };
}

const MESSAGE_OVERHEAD = 24;

/** ChaincodeMessage{type = 1, timestamp = 2, payload = 3, txid = 4, proposal = 5, chaincode_event = 6, channel_id = 7} */
export function encodeChaincodeMessage(message: ChaincodeMessage): Buffer {
  // Sized for one scratch buffer: type, tx ID, channel and a payload small enough to be copied in.
  const payloadLength = message.payload.length;
  return new MessageWriter(MESSAGE_OVERHEAD + message.txid.length + message.channelId.length + (payloadLength < 512 ? payloadLength : 0))
    .varint(1, message.type)
    .bytes(3, message.payload)
    .bytes(4, message.txid)
    .bytes(5, message.proposal)
    .bytes(7, message.channelId)
    .finish();
}

export function decodeChaincodeMessage(buffer: Buffer): ChaincodeMessage {
  const fields = readFields(buffer);
  const message: ChaincodeMessage = {
    type: varintOf(fields, 1),
    payload: bytesOf(fields, 3),
    txid: stringOf(fields, 4),
    channelId: stringOf(fields, 7),
  };
  const eventBytes = bytesOf(fields, 6);
  if (eventBytes.length > 0) {
    // ChaincodeEvent{chaincode_id = 1, tx_id = 2, event_name = 3, payload = 4}
    const event = readFields(eventBytes);
    const name = stringOf(event, 3);
    if (name) message.event = { name, payload: bytesOf(event, 4) };
  }
  return message;
}

/** GetState{key = 1, collection = 2}, DelState{key = 1, collection = 2} */
export function decodeKeyRequest(payload: Uint8Array): { key: string; collection: string } {
  const fields = readFields(payload);
  return { key: stringOf(fields, 1), collection: stringOf(fields, 2) };
}

/** PutState{key = 1, value = 2, collection = 3} */
export function decodePutState(payload: Uint8Array): { key: string; value: Uint8Array; collection: string } {
  const fields = readFields(payload);
  return { key: stringOf(fields, 1), value: bytesOf(fields, 2), collection: stringOf(fields, 3) };
}

/** peer.Response{status = 1 (int32), message = 2, payload = 3} */
export function decodeResponse(payload: Uint8Array): { status: number; message: string; payload: Uint8Array } {
  const fields = readFields(payload);
  return { status: int32Of(fields, 1), message: stringOf(fields, 2), payload: bytesOf(fields, 3) };
}

/** A client for protos.Chaincode/Connect speaking ChaincodeMessage objects through the codecs above. */
export const ChaincodeStreamClient = grpc.makeGenericClientConstructor(
  {
    connect: {
      path: '/protos.Chaincode/Connect',
      requestStream: true,
      responseStream: true,
      requestSerialize: encodeChaincodeMessage,
      requestDeserialize: decodeChaincodeMessage,
      responseSerialize: encodeChaincodeMessage,
      responseDeserialize: decodeChaincodeMessage,
    },
  },
  'Chaincode',
);
