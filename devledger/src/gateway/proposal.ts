import crypto from 'node:crypto';
import { common, peer } from '@hyperledger/fabric-protos';
import { DevLedgerError } from '../errors';
import type { Creator, SignatureVerifier } from '../identity/verifier';

/** A client's signed proposal, decoded and checked the way a Fabric peer's endorser pre-processes it. */
export interface ParsedProposal {
  signedProposal: peer.SignedProposal;
  header: common.Header;
  channelHeader: common.ChannelHeader;
  signatureHeader: common.SignatureHeader;
  payload: peer.ChaincodeProposalPayload;
  txId: string;
  channelId: string;
  chaincodeName: string;
  input: peer.ChaincodeInput;
  creator: Creator;
  timestamp: { seconds: number; nanos: number };
}

export function parseSignedProposal(signedProposal: peer.SignedProposal | undefined, verifier: SignatureVerifier): ParsedProposal {
  const proposalBytes = signedProposal?.getProposalBytes_asU8();
  if (!signedProposal || !proposalBytes || proposalBytes.length === 0) {
    throw new DevLedgerError('INVALID_ARGUMENT', 'the proposed transaction must contain a signed proposal');
  }
  let proposal: peer.Proposal;
  let header: common.Header;
  let channelHeader: common.ChannelHeader;
  let signatureHeader: common.SignatureHeader;
  let payload: peer.ChaincodeProposalPayload;
  let spec: peer.ChaincodeInvocationSpec;
  try {
    proposal = peer.Proposal.deserializeBinary(proposalBytes);
    header = common.Header.deserializeBinary(proposal.getHeader_asU8());
    channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
    payload = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
    spec = peer.ChaincodeInvocationSpec.deserializeBinary(payload.getInput_asU8());
  } catch (error) {
    throw new DevLedgerError('INVALID_ARGUMENT', `failed to unpack transaction proposal: ${(error as Error).message}`);
  }
  const channelId = channelHeader.getChannelId();
  if (!channelId) throw new DevLedgerError('INVALID_ARGUMENT', 'failed to unpack transaction proposal: no channel id provided');
  if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) {
    throw new DevLedgerError('INVALID_ARGUMENT', `invalid header type ${channelHeader.getType()}`);
  }
  const chaincodeName = spec.getChaincodeSpec()?.getChaincodeId()?.getName();
  const input = spec.getChaincodeSpec()?.getInput();
  if (!chaincodeName || !input) {
    throw new DevLedgerError('INVALID_ARGUMENT', `failed to unpack transaction proposal: no chaincode name is provided, channel id [${channelId}]`);
  }
  const creatorBytes = signatureHeader.getCreator_asU8();
  const nonce = signatureHeader.getNonce_asU8();
  if (nonce.length === 0) throw new DevLedgerError('INVALID_ARGUMENT', 'nonce is empty');
  const creator = verifier.verify(creatorBytes, proposalBytes, signedProposal.getSignature_asU8());
  // Fabric's txID is hex(SHA-256(nonce ‖ creator)); a client cannot choose it.
  const expectedTxId = crypto.createHash('sha256').update(nonce).update(creatorBytes).digest('hex');
  const txId = channelHeader.getTxId();
  if (txId !== expectedTxId) {
    throw new DevLedgerError('INVALID_ARGUMENT', `incorrectly computed txid: got ${txId}, expected ${expectedTxId}`);
  }
  const ts = channelHeader.getTimestamp();
  return {
    signedProposal,
    header,
    channelHeader,
    signatureHeader,
    payload,
    txId,
    channelId,
    chaincodeName,
    input,
    creator,
    timestamp: { seconds: ts?.getSeconds() ?? 0, nanos: ts?.getNanos() ?? 0 },
  };
}
