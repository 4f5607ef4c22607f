import crypto from 'node:crypto';
import { DevLedgerError } from '../errors';
import type { Creator, SignatureVerifier } from '../identity/verifier';
import { bytesOf, readFields, stringOf, varintOf } from '../protobuf/wire';
import type { SignedProposalBytes } from './messages';

/** common.HeaderType.ENDORSER_TRANSACTION */
const ENDORSER_TRANSACTION = 3;

/**
 * A client's signed proposal, checked the way a Fabric peer's endorser pre-processes it. The
 * header and payload parts are kept as the client's own bytes: the prepared transaction and the
 * proposal hash are built from them, as Fabric's protoutil does.
 */
export interface ParsedProposal {
  signedProposal: SignedProposalBytes;
  /** common.Header bytes (channel header + signature header). */
  headerBytes: Uint8Array;
  channelHeaderBytes: Uint8Array;
  signatureHeaderBytes: Uint8Array;
  creatorBytes: Uint8Array;
  /** ChaincodeProposalPayload.input: the ChaincodeInvocationSpec bytes (transient data excluded). */
  invocationSpecBytes: Uint8Array;
  /** ChaincodeInput bytes, as the chaincode receives them in TRANSACTION. */
  inputBytes: Uint8Array;
  txId: string;
  channelId: string;
  chaincodeName: string;
  creator: Creator;
  timestamp: { seconds: number; nanos: number };
}

export async function parseSignedProposal(signedProposal: SignedProposalBytes | undefined, verifier: SignatureVerifier): Promise<ParsedProposal> {
  const proposalBytes = signedProposal?.proposalBytes;
  if (!signedProposal || !proposalBytes || proposalBytes.length === 0) {
    throw new DevLedgerError('INVALID_ARGUMENT', 'the proposed transaction must contain a signed proposal');
  }
  let parts;
  try {
    parts = unpackProposal(proposalBytes);
  } catch (error) {
    throw new DevLedgerError('INVALID_ARGUMENT', `failed to unpack transaction proposal: ${(error as Error).message}`);
  }
  const { channelHeader, channelId, chaincodeName, inputBytes, creatorBytes, nonce } = parts;
  if (!channelId) throw new DevLedgerError('INVALID_ARGUMENT', 'failed to unpack transaction proposal: no channel id provided');
  const type = varintOf(channelHeader, 1);
  if (type !== ENDORSER_TRANSACTION) throw new DevLedgerError('INVALID_ARGUMENT', `invalid header type ${type}`);
  if (!chaincodeName || inputBytes === undefined) {
    throw new DevLedgerError('INVALID_ARGUMENT', `failed to unpack transaction proposal: no chaincode name is provided, channel id [${channelId}]`);
  }
  if (nonce.length === 0) throw new DevLedgerError('INVALID_ARGUMENT', 'nonce is empty');
  // Fabric's txID is hex(SHA-256(nonce ‖ creator)); a client cannot choose it.
  const expectedTxId = crypto.createHash('sha256').update(nonce).update(creatorBytes).digest('hex');
  const txId = stringOf(channelHeader, 5);
  if (txId !== expectedTxId) {
    throw new DevLedgerError('INVALID_ARGUMENT', `incorrectly computed txid: got ${txId}, expected ${expectedTxId}`);
  }
  const creator = await verifier.verify(creatorBytes, proposalBytes, signedProposal.signature);
  const timestamp = readFields(bytesOf(channelHeader, 3));
  return {
    signedProposal,
    headerBytes: parts.headerBytes,
    channelHeaderBytes: parts.channelHeaderBytes,
    signatureHeaderBytes: parts.signatureHeaderBytes,
    creatorBytes,
    invocationSpecBytes: parts.invocationSpecBytes,
    inputBytes,
    txId,
    channelId,
    chaincodeName,
    creator,
    timestamp: { seconds: varintOf(timestamp, 1), nanos: varintOf(timestamp, 2) },
  };
}

/** Proposal{header: Header{channel_header, signature_header}, payload: ChaincodeProposalPayload{input: ChaincodeInvocationSpec}}. */
function unpackProposal(proposalBytes: Uint8Array) {
  const proposal = readFields(proposalBytes);
  const headerBytes = bytesOf(proposal, 1);
  const header = readFields(headerBytes);
  const channelHeaderBytes = bytesOf(header, 1);
  const signatureHeaderBytes = bytesOf(header, 2);
  const channelHeader = readFields(channelHeaderBytes);
  const signatureHeader = readFields(signatureHeaderBytes);
  const invocationSpecBytes = bytesOf(readFields(bytesOf(proposal, 2)), 1);
  const chaincodeSpec = readFields(bytesOf(readFields(invocationSpecBytes), 1));
  const chaincodeId = readFields(bytesOf(chaincodeSpec, 2));
  const inputField = chaincodeSpec.find((f) => f.field === 3 && f.bytes);
  if (inputField) readFields(inputField.bytes!); // well-formed ChaincodeInput, or throw here rather than in the chaincode
  return {
    headerBytes,
    channelHeaderBytes,
    signatureHeaderBytes,
    channelHeader,
    channelId: stringOf(channelHeader, 4),
    creatorBytes: bytesOf(signatureHeader, 1),
    nonce: bytesOf(signatureHeader, 2),
    invocationSpecBytes,
    chaincodeName: stringOf(chaincodeId, 2),
    inputBytes: inputField?.bytes,
  };
}
