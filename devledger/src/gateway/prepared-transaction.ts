import crypto from 'node:crypto';
import type { ExecutionResult } from '../chaincode/connection';
import type { PeerIdentity } from '../identity/peer-identity';
import { MessageWriter } from '../protobuf/wire';
import type { ParsedProposal } from './proposal';

/**
 * Assembles the payload bytes of the unsigned transaction envelope the client signs and submits,
 * as Fabric's gateway (prepareTransaction) and peer (endorsement signing, protoutil) build it:
 * Payload{Header, Transaction{TransactionAction{SignatureHeader, ChaincodeActionPayload{
 *   ChaincodeProposalPayload without transient data, ChaincodeEndorsedAction{ProposalResponsePayload{
 *   proposal hash, ChaincodeAction{results, events, response, chaincode id}}, [endorsement]}}}}}.
 * Encoded directly on the wire (see protobuf/wire) with the client's own header bytes.
 */
export function buildPreparedPayload(
  proposal: ParsedProposal,
  execution: ExecutionResult,
  results: Uint8Array | MessageWriter,
  endorser: PeerIdentity,
): Buffer {
  // ChaincodeProposalPayload{input} — the transient map never reaches the ledger.
  const proposalPayloadBytes = new MessageWriter().bytes(1, proposal.invocationSpecBytes).finish();

  const response = new MessageWriter()
    .varint(1, execution.response.status)
    .bytes(2, execution.response.message)
    .bytes(3, execution.response.payload);
  const events = execution.event
    ? new MessageWriter() // ChaincodeEvent{chaincode_id, tx_id, event_name, payload}
        .bytes(1, proposal.chaincodeName)
        .bytes(2, proposal.txId)
        .bytes(3, execution.event.name)
        .bytes(4, execution.event.payload)
    : undefined;
  const chaincodeId = new MessageWriter().bytes(2, proposal.chaincodeName);
  // ChaincodeAction{results, events, response, chaincode_id}
  const action = new MessageWriter().bytes(1, results).bytes(2, events).bytes(3, response, true).bytes(4, chaincodeId, true);

  // Nested messages are kept as writers: the read/write set inside is copied once, into the final payload.
  // ProposalResponsePayload{proposal_hash, extension}
  const responsePayload = new MessageWriter().bytes(1, proposalHash(proposal, proposalPayloadBytes)).bytes(2, action);
  // Endorsement{endorser, signature}: the peer signs the response payload followed by its identity.
  const endorsement = new MessageWriter()
    .bytes(1, endorser.serialized)
    .bytes(2, endorser.sign([...responsePayload.chunks(), endorser.serialized]));
  // ChaincodeEndorsedAction{proposal_response_payload, endorsements}
  const endorsedAction = new MessageWriter().bytes(1, responsePayload).bytes(2, endorsement, true);
  // ChaincodeActionPayload{chaincode_proposal_payload, action}
  const actionPayload = new MessageWriter().bytes(1, proposalPayloadBytes).bytes(2, endorsedAction, true);
  // TransactionAction{header: SignatureHeader, payload}
  const transactionAction = new MessageWriter().bytes(1, proposal.signatureHeaderBytes).bytes(2, actionPayload);
  const transaction = new MessageWriter().bytes(1, transactionAction, true);
  // Payload{header, data}
  return new MessageWriter().bytes(1, proposal.headerBytes, true).bytes(2, transaction).finish();
}

/** protoutil.GetProposalHash1: SHA-256 over channel header, signature header and the transient-free payload. */
function proposalHash(proposal: ParsedProposal, proposalPayloadBytes: Uint8Array): Buffer {
  return crypto
    .createHash('sha256')
    .update(proposal.channelHeaderBytes)
    .update(proposal.signatureHeaderBytes)
    .update(proposalPayloadBytes)
    .digest();
}
