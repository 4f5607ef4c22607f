import * as grpc from '@grpc/grpc-js';
import { common, gateway, orderer, peer as peerProtos } from '@hyperledger/fabric-protos';
import { bytesOf, readFields, stringOf } from '../protobuf/wire';
import { DevLedgerError } from '../errors';
import type { CommittedBlock } from '../ledger/types';
import { TxCode } from '../ledger/types';
import type { DevPeer } from '../peer';
import {
  type CommitStatusRequest,
  encodeCommitStatusResponse,
  encodeEndorseResponse,
  encodeEvaluateResponse,
  GatewayServiceDefinition,
  type ProposalRequest,
  type SubmitRequest,
} from './messages';
import { followBlocks } from './block-follower';
import { serveDeliverFiltered } from './deliver';
import { parseSignedProposal } from './proposal';
import { type EndpointDetail, rpcError, statusFor } from './rpc-errors';

export interface GatewayServerOptions {
  host: string;
  port: number;
  /** MSP ID reported in error details, as a Fabric gateway reports the endorsing peer's org. */
  mspId: string;
  log: (msg: string) => void;
}

/**
 * Fabric's gateway.Gateway service (Evaluate, Endorse, Submit, CommitStatus, ChaincodeEvents) in
 * front of the dev peer, with the status codes and error details of Fabric's internal/pkg/gateway,
 * and protos.Deliver/DeliverFiltered (filtered block events) on the same port, as a peer serves it.
 */
export class GatewayServer {
  private readonly server = new grpc.Server({
    'grpc.max_receive_message_length': 100 * 1024 * 1024,
    'grpc.max_send_message_length': 100 * 1024 * 1024,
    // Channelz keeps per-call statistics nobody reads here; it costs CPU on every call.
    'grpc.enable_channelz': 0,
  });
  private address = '';
  private readonly streams = new Set<grpc.ServerWritableStream<unknown, unknown>>();

  constructor(
    private readonly peer: DevPeer,
    private readonly options: GatewayServerOptions,
  ) {
    type Unary<Req> = grpc.handleUnaryCall<Req, Buffer | null>;
    const evaluate: Unary<ProposalRequest> = (call, callback) =>
      void this.evaluate(call.request).then((r) => callback(null, r), (e: grpc.ServiceError) => callback(e));
    const endorse: Unary<ProposalRequest> = (call, callback) =>
      void this.endorse(call.request).then((r) => callback(null, r), (e: grpc.ServiceError) => callback(e));
    const submit: Unary<SubmitRequest> = (call, callback) =>
      void this.submit(call.request).then(() => callback(null, null), (e: grpc.ServiceError) => callback(e));
    const commitStatus: Unary<CommitStatusRequest> = (call, callback) =>
      void this.commitStatus(call).then((r) => callback(null, r), (e: grpc.ServiceError) => callback(e));
    const chaincodeEvents: grpc.handleServerStreamingCall<gateway.SignedChaincodeEventsRequest, gateway.ChaincodeEventsResponse> = (call) =>
      void this.chaincodeEvents(call);
    this.server.addService(GatewayServiceDefinition, { evaluate, endorse, submit, commitStatus, chaincodeEvents });
    // A Fabric peer serves block events on the same port; the dev peer serves filtered blocks only.
    const deliverFiltered: grpc.handleBidiStreamingCall<common.Envelope, peerProtos.DeliverResponse> = (call) => {
      const stream = call as unknown as grpc.ServerWritableStream<unknown, unknown>;
      this.streams.add(stream);
      void serveDeliverFiltered(this.peer, call, this.options.log).finally(() => this.streams.delete(stream));
    };
    this.server.addService(peerProtos.DeliverService as unknown as grpc.ServiceDefinition, { deliverFiltered });
  }

  async start(): Promise<string> {
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${this.options.host}:${this.options.port}`, grpc.ServerCredentials.createInsecure(), (error, p) =>
        error ? reject(new DevLedgerError('PORT_IN_USE', `cannot listen on ${this.options.host}:${this.options.port}: ${error.message}`)) : resolve(p),
      ),
    );
    this.address = `${this.options.host}:${port}`;
    return this.address;
  }

  async close(): Promise<void> {
    for (const stream of this.streams) stream.end();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2000);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private detail(message: string): EndpointDetail {
    return { address: this.address, mspId: this.options.mspId, message };
  }

  private async evaluate(request: ProposalRequest): Promise<Buffer> {
    let proposal;
    try {
      proposal = await parseSignedProposal(request.signedProposal, this.peer.verifier);
      this.peer.checkTarget(proposal.channelId, proposal.chaincodeName);
    } catch (error) {
      throw this.requestError(error, 'evaluate');
    }
    let simulated;
    try {
      simulated = await this.peer.simulate(proposal);
    } catch (error) {
      const message = (error as Error).message;
      throw rpcError(statusFor(error), `evaluate call to endorser returned error: ${message}`, [this.detail(message)]);
    }
    const { status, message, payload } = simulated.execution.response;
    if (status < 200 || status >= 400) {
      const detail = `chaincode response ${status}, ${message}`;
      throw rpcError(grpc.status.UNKNOWN, `evaluate call to endorser returned error: ${detail}`, [this.detail(detail)]);
    }
    return encodeEvaluateResponse({ status, message, payload });
  }

  private async endorse(request: ProposalRequest): Promise<Buffer> {
    let proposal;
    try {
      proposal = await parseSignedProposal(request.signedProposal, this.peer.verifier);
      this.peer.checkTarget(proposal.channelId, proposal.chaincodeName);
    } catch (error) {
      throw this.requestError(error, 'endorse');
    }
    let endorsed;
    try {
      endorsed = await this.peer.endorse(proposal);
    } catch (error) {
      throw rpcError(grpc.status.ABORTED, 'failed to endorse transaction, see attached details for more info', [
        this.detail((error as Error).message),
      ]);
    }
    const { status, message } = endorsed.simulated.execution.response;
    if (status < 200 || status >= 400 || !endorsed.payloadBytes) {
      throw rpcError(grpc.status.ABORTED, 'failed to endorse transaction, see attached details for more info', [
        this.detail(`chaincode response ${status}, ${message}`),
      ]);
    }
    return encodeEndorseResponse(endorsed.payloadBytes);
  }

  private async submit(request: SubmitRequest): Promise<void> {
    try {
      await this.peer.submit(request);
    } catch (error) {
      if (error instanceof DevLedgerError && (error.code === 'INVALID_ARGUMENT' || error.code === 'NOT_FOUND')) {
        throw rpcError(statusFor(error), error.message);
      }
      throw rpcError(grpc.status.ABORTED, `received unsuccessful response from orderer: ${(error as Error).message}`, [
        this.detail((error as Error).message),
      ]);
    }
  }

  private async commitStatus(call: grpc.ServerUnaryCall<CommitStatusRequest, Buffer | null>): Promise<Buffer> {
    let txId: string;
    try {
      const { requestBytes, signature } = call.request;
      if (requestBytes.length === 0) throw new DevLedgerError('INVALID_ARGUMENT', 'a commit status request is required');
      // CommitStatusRequest{transaction_id = 1, channel_id = 2, identity = 3}
      const request = readFields(requestBytes);
      await this.peer.verifier.verify(bytesOf(request, 3), requestBytes, signature);
      this.peer.checkTarget(stringOf(request, 2));
      txId = stringOf(request, 1);
    } catch (error) {
      throw rpcError(statusFor(error), (error as Error).message);
    }
    try {
      const status = this.peer.txStatus(txId) ?? (await this.peer.commitStatus(txId, cancellation(call)));
      return encodeCommitStatusResponse(status.code, status.blockNum);
    } catch (error) {
      throw rpcError(statusFor(error), (error as Error).message);
    }
  }

  /** Streams events of valid transactions block by block from the requested start, then live. */
  private async chaincodeEvents(call: grpc.ServerWritableStream<gateway.SignedChaincodeEventsRequest, gateway.ChaincodeEventsResponse>) {
    let request: gateway.ChaincodeEventsRequest;
    try {
      const signed = call.request;
      if (signed.getRequest_asU8().length === 0) throw new DevLedgerError('INVALID_ARGUMENT', 'a chaincode events request is required');
      request = gateway.ChaincodeEventsRequest.deserializeBinary(signed.getRequest_asU8());
      await this.peer.verifier.verify(request.getIdentity_asU8(), signed.getRequest_asU8(), signed.getSignature_asU8());
      this.peer.checkTarget(request.getChannelId());
    } catch (error) {
      call.destroy(rpcError(statusFor(error), (error as Error).message));
      return;
    }
    this.streams.add(call as grpc.ServerWritableStream<unknown, unknown>);
    const chaincodeId = request.getChaincodeId();
    let afterTxId = request.getAfterTransactionId();
    const send = (block: CommittedBlock) => {
      const events = [];
      for (const tx of block.transactions) {
        if (afterTxId) {
          // Resume after a checkpointed transaction: skip events up to and including it.
          if (tx.txId === afterTxId) afterTxId = '';
          continue;
        }
        if (tx.code !== TxCode.VALID || !tx.event) continue;
        const event = new peerProtos.ChaincodeEvent();
        event.setChaincodeId(chaincodeId);
        event.setTxId(tx.txId);
        event.setEventName(tx.event.name);
        event.setPayload(tx.event.payload);
        events.push(event);
      }
      if (events.length === 0) return;
      const response = new gateway.ChaincodeEventsResponse();
      response.setBlockNumber(block.number);
      response.setEventsList(events);
      call.write(response);
    };
    try {
      await followBlocks(this.peer, call, { start: this.startBlock(request), send });
    } catch (error) {
      call.destroy(rpcError(grpc.status.ABORTED, (error as Error).message));
    } finally {
      this.streams.delete(call as grpc.ServerWritableStream<unknown, unknown>);
    }
  }

  private startBlock(request: gateway.ChaincodeEventsRequest): number {
    const position = request.getStartPosition();
    if (request.getAfterTransactionId()) {
      const status = this.peer.txStatus(request.getAfterTransactionId());
      if (status) return status.blockNum;
    }
    if (position?.getTypeCase() === orderer.SeekPosition.TypeCase.SPECIFIED) return position.getSpecified()!.getNumber();
    return this.peer.blockHeight;
  }

  private requestError(error: unknown, call: 'evaluate' | 'endorse'): grpc.ServiceError {
    if (error instanceof DevLedgerError && (error.code === 'INVALID_ARGUMENT' || error.code === 'NOT_FOUND')) {
      return rpcError(statusFor(error), error.message);
    }
    // Signature and identity failures come from the peer's pre-processing; Fabric reports them in the details.
    const message = (error as Error).message;
    return call === 'evaluate'
      ? rpcError(grpc.status.FAILED_PRECONDITION, `evaluate call to endorser returned error: ${message}`, [this.detail(message)])
      : rpcError(grpc.status.ABORTED, 'failed to endorse transaction, see attached details for more info', [this.detail(message)]);
  }
}

/** An AbortSignal that fires when the client cancels the call. */
function cancellation(call: grpc.ServerUnaryCall<unknown, unknown>): AbortSignal {
  const abort = new AbortController();
  call.once('cancelled', () => abort.abort());
  return abort.signal;
}
