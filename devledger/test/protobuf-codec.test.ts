import crypto from 'node:crypto';
import { common, gateway, msp, peer } from '@hyperledger/fabric-protos';
import { decodeChaincodeMessage, decodePutState, encodeChaincodeMessage } from '../src/chaincode/messages';
import { encodeCommitStatusResponse, encodeEndorseResponse, encodeEvaluateResponse } from '../src/gateway/messages';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { buildPreparedPayload } from '../src/gateway/prepared-transaction';
import { parseSignedProposal } from '../src/gateway/proposal';
import { encodeTxReadWriteSet } from '../src/gateway/rwset-codec';
import { PeerIdentity } from '../src/identity/peer-identity';
import { SignatureVerifier } from '../src/identity/verifier';
import { emptyReadWriteSet } from '../src/ledger/types';
import { MessageWriter, readFields, WireFormatError } from '../src/protobuf/wire';
import { makeIdentity, tempDataDir } from './helpers';
import { encodeTxReadWriteSetReference } from './support/rwset-reference';

const MEGABYTE = 1024 * 1024;

describe('hand-written protobuf encoding', () => {
  it('encodes read/write sets byte for byte as google-protobuf does', () => {
    const rwset = emptyReadWriteSet();
    rwset.reads.set('', new Map([['absent', null], ['genesis', { blockNum: 0, txNum: 0 }], ['k\u00e9y', { blockNum: 300, txNum: 7 }]]));
    rwset.writes.set('', new Map<string, Buffer | null>([['a', Buffer.from('1')], ['gone', null]]));
    rwset.metadataWrites.set('', new Map([['a', new Map([['VALIDATION_PARAMETER', Buffer.from('policy')], ['empty', Buffer.alloc(0)]])]]));
    rwset.ranges.push(
      { space: '', startKey: 'a', endKey: 'z', exhausted: true, results: [{ key: 'b', version: { blockNum: 2 ** 40, txNum: 1 } }] },
      { space: '', startKey: '', endKey: '', exhausted: false, results: [] },
      { space: 'private', startKey: 'a', endKey: 'b', exhausted: true, results: [] },
    );
    rwset.reads.set('private', new Map([['secret', { blockNum: 1, txNum: 0 }], ['none', null]]));
    rwset.writes.set('private', new Map<string, Buffer | null>([['secret', Buffer.from('value')], ['old', null]]));
    rwset.writes.set('another', new Map<string, Buffer | null>([['x', Buffer.from('y')]]));

    expect(Buffer.from(encodeTxReadWriteSet('gridshare', rwset))).toEqual(Buffer.from(encodeTxReadWriteSetReference('gridshare', rwset)));
    expect(Buffer.from(encodeTxReadWriteSet('gridshare', emptyReadWriteSet()))).toEqual(
      Buffer.from(encodeTxReadWriteSetReference('gridshare', emptyReadWriteSet())),
    );
  });

  it('encodes large read/write sets (long keys and values, many entries, a big range) as google-protobuf does', () => {
    const rwset = emptyReadWriteSet();
    const reads = new Map<string, { blockNum: number; txNum: number } | null>();
    const writes = new Map<string, Buffer | null>();
    for (let i = 0; i < 3000; i++) {
      reads.set(`order/${'k'.repeat(i % 700)}/${i}`, i % 5 === 0 ? null : { blockNum: i * 1000, txNum: i % 300 });
      writes.set(`order/${i}`, i % 7 === 0 ? null : crypto.randomBytes((i * 37) % 2000));
    }
    rwset.reads.set('', reads);
    rwset.writes.set('', writes);
    const results = Array.from({ length: 5000 }, (_, i) => ({ key: `range/${String(i).padStart(6, '0')}`, version: { blockNum: i, txNum: 1 } }));
    rwset.ranges.push({ space: '', startKey: 'range/', endKey: 'range0', exhausted: true, results });
    rwset.writes.set('private', new Map<string, Buffer | null>([['secret', crypto.randomBytes(100_000)]]));
    // Buffer.equals: jest's toEqual walks megabytes element by element.
    const encoded = encodeTxReadWriteSet('gridshare', rwset);
    expect(encoded.length).toBeGreaterThan(MEGABYTE);
    expect(encoded.equals(Buffer.from(encodeTxReadWriteSetReference('gridshare', rwset)))).toBe(true);
  });

  it('nests writers without changing the bytes, and signs chunks as the joined bytes', () => {
    const inner = new MessageWriter().bytes(1, 'x'.repeat(70_000)).varint(2, 5).bytes(3, crypto.randomBytes(600));
    const nested = new MessageWriter().bytes(1, 'head').bytes(2, inner).bytes(3, new MessageWriter(), true).finish();
    const flat = new MessageWriter().bytes(1, 'head').bytes(2, inner.finish()).bytes(3, Buffer.alloc(0), true).finish();
    expect(nested.equals(flat)).toBe(true);
    expect(Buffer.concat(inner.chunks()).equals(inner.finish())).toBe(true);
  });

  it('encodes negative int32 and large uint64 as protobuf does', () => {
    const response = new peer.Response();
    response.setStatus(-1);
    response.setMessage('m');
    expect(new MessageWriter().varint(1, -1).bytes(2, 'm').finish()).toEqual(Buffer.from(response.serializeBinary()));
    expect(readFields(new MessageWriter().varint(1, 2 ** 50 + 3).finish())[0]).toMatchObject({ field: 1, varint: 2 ** 50 + 3 });
    expect(readFields(response.serializeBinary())[0]).toMatchObject({ field: 1, int32: -1 });
  });

  it('writes gateway responses and chaincode messages as google-protobuf does, and reads them back', () => {
    const envelope = new common.Envelope();
    envelope.setPayload(Buffer.from('payload'));
    const endorse = new gateway.EndorseResponse();
    endorse.setPreparedTransaction(envelope);
    expect(encodeEndorseResponse(Buffer.from('payload'))).toEqual(Buffer.from(endorse.serializeBinary()));

    const commit = new gateway.CommitStatusResponse();
    commit.setResult(peer.TxValidationCode.MVCC_READ_CONFLICT);
    commit.setBlockNumber(70_000);
    expect(encodeCommitStatusResponse(peer.TxValidationCode.MVCC_READ_CONFLICT, 70_000)).toEqual(Buffer.from(commit.serializeBinary()));

    const result = new peer.Response();
    result.setStatus(200);
    result.setPayload(Buffer.from('{}'));
    const evaluate = new gateway.EvaluateResponse();
    evaluate.setResult(result);
    expect(encodeEvaluateResponse({ status: 200, message: '', payload: Buffer.from('{}') })).toEqual(Buffer.from(evaluate.serializeBinary()));

    const signed = new peer.SignedProposal();
    signed.setProposalBytes(Buffer.from('proposal'));
    signed.setSignature(Buffer.from('signature'));
    const transaction = new peer.ChaincodeMessage();
    transaction.setType(peer.ChaincodeMessage.Type.TRANSACTION);
    transaction.setPayload(Buffer.from('input'));
    transaction.setTxid('tx1');
    transaction.setChannelId('energy');
    transaction.setProposal(signed);
    const encoded = encodeChaincodeMessage({
      type: peer.ChaincodeMessage.Type.TRANSACTION,
      payload: Buffer.from('input'),
      txid: 'tx1',
      channelId: 'energy',
      proposal: signed.serializeBinary(),
    });
    expect(encoded).toEqual(Buffer.from(transaction.serializeBinary()));

    const event = new peer.ChaincodeEvent();
    event.setEventName('Done');
    event.setPayload(Buffer.from('e'));
    const completed = new peer.ChaincodeMessage();
    completed.setType(peer.ChaincodeMessage.Type.COMPLETED);
    completed.setPayload(result.serializeBinary());
    completed.setTxid('tx1');
    completed.setChannelId('energy');
    completed.setChaincodeEvent(event);
    const decoded = decodeChaincodeMessage(Buffer.from(completed.serializeBinary()));
    expect(decoded).toMatchObject({ type: peer.ChaincodeMessage.Type.COMPLETED, txid: 'tx1', channelId: 'energy', event: { name: 'Done' } });
    expect(Buffer.from(decoded.event!.payload).toString()).toBe('e');

    const put = new peer.PutState();
    put.setKey('k');
    put.setValue(Buffer.from('v'));
    put.setCollection('c');
    const putRequest = decodePutState(put.serializeBinary());
    expect({ ...putRequest, value: Buffer.from(putRequest.value).toString() }).toEqual({ key: 'k', value: 'v', collection: 'c' });
  });

  it('rejects malformed wire data', () => {
    expect(() => readFields(Uint8Array.of(0x0a, 0x05, 0x01))).toThrow(WireFormatError); // length past the end
    expect(() => readFields(Uint8Array.of(0x08, 0xff))).toThrow(WireFormatError); // truncated varint
    expect(() => readFields(Uint8Array.of(0x0b))).toThrow(WireFormatError); // wire type 3 (groups)
  });
});

describe('prepared transaction payload', () => {
  it('carries the proposal header, a correct proposal hash and a verifiable endorsement, without transient data', async () => {
    const client = await makeIdentity('UtilityMSP', 'codec');
    const creator = new msp.SerializedIdentity();
    creator.setMspid('UtilityMSP');
    creator.setIdBytes(client.identity.credentials);
    const creatorBytes = creator.serializeBinary();
    const nonce = crypto.randomBytes(24);
    const txId = crypto.createHash('sha256').update(nonce).update(creatorBytes).digest('hex');

    const timestamp = new Timestamp();
    timestamp.setSeconds(1_700_000_000);
    timestamp.setNanos(5);
    const channelHeader = new common.ChannelHeader();
    channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
    channelHeader.setChannelId('energy');
    channelHeader.setTxId(txId);
    channelHeader.setTimestamp(timestamp);
    const signatureHeader = new common.SignatureHeader();
    signatureHeader.setCreator(creatorBytes);
    signatureHeader.setNonce(nonce);
    const header = new common.Header();
    header.setChannelHeader(channelHeader.serializeBinary());
    header.setSignatureHeader(signatureHeader.serializeBinary());

    const input = new peer.ChaincodeInput();
    input.setArgsList([Buffer.from('probe:Put'), Buffer.from('k')]);
    const chaincodeId = new peer.ChaincodeID();
    chaincodeId.setName('probe');
    const spec = new peer.ChaincodeSpec();
    spec.setChaincodeId(chaincodeId);
    spec.setInput(input);
    const invocation = new peer.ChaincodeInvocationSpec();
    invocation.setChaincodeSpec(spec);
    const proposalPayload = new peer.ChaincodeProposalPayload();
    proposalPayload.setInput(invocation.serializeBinary());
    proposalPayload.getTransientmapMap().set('secret', Buffer.from('do not persist'));
    const proposal = new peer.Proposal();
    proposal.setHeader(header.serializeBinary());
    proposal.setPayload(proposalPayload.serializeBinary());
    const signed = new peer.SignedProposal();
    signed.setProposalBytes(proposal.serializeBinary());
    signed.setSignature(await client.signer(signed.getProposalBytes_asU8()));

    const parsed = await parseSignedProposal(
      { proposalBytes: signed.getProposalBytes_asU8(), signature: signed.getSignature_asU8(), encoded: signed.serializeBinary() },
      new SignatureVerifier(),
    );
    expect(parsed).toMatchObject({ txId, channelId: 'energy', chaincodeName: 'probe', timestamp: { seconds: 1_700_000_000, nanos: 5 } });
    expect(Buffer.from(parsed.inputBytes)).toEqual(Buffer.from(input.serializeBinary()));

    const dir = tempDataDir('codec');
    const endorser = await PeerIdentity.loadOrCreate(dir, 'UtilityMSP', 'peer0');
    const results = Buffer.from('rwset');
    const payloadBytes = buildPreparedPayload(
      parsed,
      { response: { status: 200, message: '', payload: Buffer.from('ok') }, event: { name: 'Done', payload: Buffer.from('e') } },
      results,
      endorser,
    );

    const payload = common.Payload.deserializeBinary(payloadBytes);
    expect(Buffer.from(payload.getHeader()!.serializeBinary())).toEqual(Buffer.from(header.serializeBinary()));
    const action = peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()[0]!;
    expect(Buffer.from(action.getHeader_asU8())).toEqual(Buffer.from(signatureHeader.serializeBinary()));
    const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    const storedProposalPayload = peer.ChaincodeProposalPayload.deserializeBinary(actionPayload.getChaincodeProposalPayload_asU8());
    expect(storedProposalPayload.getTransientmapMap().getLength()).toBe(0);
    const endorsed = actionPayload.getAction()!;
    const responsePayload = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
    const expectedHash = crypto
      .createHash('sha256')
      .update(header.getChannelHeader_asU8())
      .update(header.getSignatureHeader_asU8())
      .update(actionPayload.getChaincodeProposalPayload_asU8())
      .digest();
    expect(Buffer.from(responsePayload.getProposalHash_asU8())).toEqual(expectedHash);
    const chaincodeAction = peer.ChaincodeAction.deserializeBinary(responsePayload.getExtension_asU8());
    expect(Buffer.from(chaincodeAction.getResults_asU8())).toEqual(results);
    expect(chaincodeAction.getResponse()!.getStatus()).toBe(200);
    expect(Buffer.from(chaincodeAction.getResponse()!.getPayload_asU8()).toString()).toBe('ok');
    expect(chaincodeAction.getChaincodeId()!.getName()).toBe('probe');
    const event = peer.ChaincodeEvent.deserializeBinary(chaincodeAction.getEvents_asU8());
    expect([event.getChaincodeId(), event.getTxId(), event.getEventName()]).toEqual(['probe', txId, 'Done']);
    const endorsement = endorsed.getEndorsementsList()[0]!;
    expect(Buffer.from(endorsement.getEndorser_asU8())).toEqual(Buffer.from(endorser.serialized));
    const signedBytes = Buffer.concat([endorsed.getProposalResponsePayload_asU8(), endorsement.getEndorser_asU8()]);
    const certificate = new crypto.X509Certificate(endorser.certificatePem);
    expect(crypto.verify('sha256', signedBytes, certificate.publicKey, endorsement.getSignature_asU8())).toBe(true);
  });
});
