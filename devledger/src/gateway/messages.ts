/**
 * The gateway service with wire-level codecs for the per-transaction calls (Evaluate, Endorse,
 * Submit, CommitStatus): requests are read in place and responses written directly, so a signed
 * proposal or envelope is never decoded into google-protobuf objects and encoded again.
 * ChaincodeEvents keeps fabric-protos' generated codecs.
 */
import type * as grpc from '@grpc/grpc-js';
import { gateway } from '@hyperledger/fabric-protos';
import { bytesOf, MessageWriter, readFields } from '../protobuf/wire';

/** peer.SignedProposal as it arrived: its proposal bytes, signature and its own encoding (sent on to the chaincode). */
export interface SignedProposalBytes {
  proposalBytes: Uint8Array;
  signature: Uint8Array;
  encoded: Uint8Array;
}

/** EvaluateRequest / EndorseRequest: proposed_transaction = 3. */
export interface ProposalRequest {
  signedProposal: SignedProposalBytes | undefined;
}

/** SubmitRequest.prepared_transaction (3): Envelope{payload = 1, signature = 2}. */
export interface SubmitRequest {
  payloadBytes: Uint8Array;
  signature: Uint8Array;
}

/** SignedCommitStatusRequest{request = 1, signature = 2} with request = CommitStatusRequest{transaction_id, channel_id, identity}. */
export interface CommitStatusRequest {
  requestBytes: Uint8Array;
  signature: Uint8Array;
}

function decodeProposalRequest(buffer: Buffer): ProposalRequest {
  const request = readFields(buffer);
  const field = request.find((f) => f.field === 3 && f.bytes);
  if (!field) return { signedProposal: undefined };
  const signed = readFields(field.bytes!);
  return { signedProposal: { proposalBytes: bytesOf(signed, 1), signature: bytesOf(signed, 2), encoded: field.bytes! } };
}

function decodeSubmitRequest(buffer: Buffer): SubmitRequest {
  const envelope = readFields(bytesOf(readFields(buffer), 3));
  return { payloadBytes: bytesOf(envelope, 1), signature: bytesOf(envelope, 2) };
}

function decodeCommitStatusRequest(buffer: Buffer): CommitStatusRequest {
  const signed = readFields(buffer);
  return { requestBytes: bytesOf(signed, 1), signature: bytesOf(signed, 2) };
}

/** EvaluateResponse{result: Response{status, message, payload}} */
export function encodeEvaluateResponse(response: { status: number; message: string; payload: Uint8Array }): Buffer {
  const result = new MessageWriter().varint(1, response.status).bytes(2, response.message).bytes(3, response.payload);
  return new MessageWriter().bytes(1, result, true).finish();
}

/** EndorseResponse{prepared_transaction: Envelope{payload}} */
export function encodeEndorseResponse(payloadBytes: Uint8Array): Buffer {
  return new MessageWriter().bytes(1, new MessageWriter().bytes(1, payloadBytes), true).finish();
}

/** CommitStatusResponse{result: TxValidationCode, block_number} */
export function encodeCommitStatusResponse(code: number, blockNumber: number): Buffer {
  return new MessageWriter().varint(1, code).varint(2, blockNumber).finish();
}

const passThrough = (bytes: Buffer) => bytes;
const EMPTY_RESPONSE = Buffer.alloc(0);

/** gateway.GatewayService with the hot methods' codecs replaced; handlers answer with encoded bytes. */
export const GatewayServiceDefinition: grpc.ServiceDefinition = {
  ...(gateway.GatewayService as unknown as grpc.ServiceDefinition),
  evaluate: { ...gateway.GatewayService.evaluate, requestDeserialize: decodeProposalRequest, responseSerialize: passThrough },
  endorse: { ...gateway.GatewayService.endorse, requestDeserialize: decodeProposalRequest, responseSerialize: passThrough },
  submit: { ...gateway.GatewayService.submit, requestDeserialize: decodeSubmitRequest, responseSerialize: () => EMPTY_RESPONSE },
  commitStatus: { ...gateway.GatewayService.commitStatus, requestDeserialize: decodeCommitStatusRequest, responseSerialize: passThrough },
};
