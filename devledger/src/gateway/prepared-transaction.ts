import crypto from 'node:crypto';
import { common, peer } from '@hyperledger/fabric-protos';
import type { ExecutionResult } from '../chaincode/connection';
import type { PeerIdentity } from '../identity/peer-identity';
import type { ParsedProposal } from './proposal';

/**
 * Assembles the unsigned transaction envelope the client signs and submits, as Fabric's gateway
 * (prepareTransaction) and peer (endorsement signing, protoutil) build it:
 * Envelope{Payload{Header, Transaction{TransactionAction{SignatureHeader, ChaincodeActionPayload{
 *   ChaincodeProposalPayload without transient data, ChaincodeEndorsedAction{ProposalResponsePayload{
 *   proposal hash, ChaincodeAction{results, events, response, chaincode id}}, [endorsement]}}}}}}.
 */
export function buildPreparedTransaction(
  proposal: ParsedProposal,
  execution: ExecutionResult,
  results: Uint8Array,
  endorser: PeerIdentity,
): common.Envelope {
  const proposalPayloadNoTransient = new peer.ChaincodeProposalPayload();
  proposalPayloadNoTransient.setInput(proposal.payload.getInput_asU8());
  const proposalPayloadBytes = proposalPayloadNoTransient.serializeBinary();

  const chaincodeId = new peer.ChaincodeID();
  chaincodeId.setName(proposal.chaincodeName);
  const response = new peer.Response();
  response.setStatus(execution.response.status);
  response.setMessage(execution.response.message);
  response.setPayload(execution.response.payload);
  const action = new peer.ChaincodeAction();
  action.setResults(results);
  if (execution.event) {
    const event = new peer.ChaincodeEvent();
    event.setChaincodeId(proposal.chaincodeName);
    event.setTxId(proposal.txId);
    event.setEventName(execution.event.name);
    event.setPayload(execution.event.payload);
    action.setEvents(event.serializeBinary());
  }
  action.setResponse(response);
  action.setChaincodeId(chaincodeId);

  const responsePayload = new peer.ProposalResponsePayload();
  responsePayload.setProposalHash(proposalHash(proposal.header, proposalPayloadBytes));
  responsePayload.setExtension$(action.serializeBinary());
  const responsePayloadBytes = responsePayload.serializeBinary();

  const endorsement = new peer.Endorsement();
  endorsement.setEndorser(endorser.serialized);
  endorsement.setSignature(endorser.sign(Buffer.concat([responsePayloadBytes, endorser.serialized])));

  const endorsedAction = new peer.ChaincodeEndorsedAction();
  endorsedAction.setProposalResponsePayload(responsePayloadBytes);
  endorsedAction.setEndorsementsList([endorsement]);
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setChaincodeProposalPayload(proposalPayloadBytes);
  actionPayload.setAction(endorsedAction);

  const transactionAction = new peer.TransactionAction();
  transactionAction.setHeader(proposal.header.getSignatureHeader_asU8());
  transactionAction.setPayload(actionPayload.serializeBinary());
  const transaction = new peer.Transaction();
  transaction.setActionsList([transactionAction]);

  const payload = new common.Payload();
  payload.setHeader(proposal.header);
  payload.setData(transaction.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  return envelope;
}

/** protoutil.GetProposalHash1: SHA-256 over channel header, signature header and the transient-free payload. */
function proposalHash(header: common.Header, proposalPayloadBytes: Uint8Array): Buffer {
  return crypto
    .createHash('sha256')
    .update(header.getChannelHeader_asU8())
    .update(header.getSignatureHeader_asU8())
    .update(proposalPayloadBytes)
    .digest();
}
