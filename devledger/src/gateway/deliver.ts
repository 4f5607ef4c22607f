/**
 * Fabric's protos.Deliver/DeliverFiltered on the dev peer: filtered blocks (each transaction's ID,
 * type and validation code, and the name of its chaincode event) from a signed seek request, as
 * fabric-gateway's `getFilteredBlockEvents` asks for them — the stream the gateway app follows to
 * learn that its transactions committed. As in Fabric (common/deliver/deliver.go), a bad request
 * is answered with a DeliverResponse status on the open stream, and a finished seek with SUCCESS.
 * Full blocks (Deliver, DeliverWithPrivateData) are not served: the dev ledger keeps no envelopes.
 */
import type * as grpc from '@grpc/grpc-js';
import { common, orderer, peer as peerProtos } from '@hyperledger/fabric-protos';
import type { CommittedBlock } from '../ledger/types';
import { TxCode } from '../ledger/types';
import type { DevPeer } from '../peer';
import { followBlocks } from './block-follower';

type DeliverCall = grpc.ServerDuplexStream<common.Envelope, peerProtos.DeliverResponse>;
type DeliverStatus = (typeof common.Status)[keyof typeof common.Status];
type ValidationCode = (typeof peerProtos.TxValidationCode)[keyof typeof peerProtos.TxValidationCode];

/** A seek request refused with a deliver status, as Fabric's deliver handler refuses it. */
class SeekRefused extends Error {
  constructor(
    readonly status: DeliverStatus,
    message: string,
  ) {
    super(message);
  }
}

/** Where a SeekInfo starts and stops, as block numbers on this ledger (stop absent: follow forever). */
export interface SeekRange {
  start: number;
  stop?: number;
}

/** Serves each seek request of the stream in turn, until the client leaves. */
export async function serveDeliverFiltered(devPeer: DevPeer, call: DeliverCall, log: (msg: string) => void): Promise<void> {
  try {
    for await (const envelope of call as AsyncIterable<common.Envelope>) {
      let range: SeekRange;
      try {
        range = await acceptSeek(devPeer, envelope);
      } catch (error) {
        if (!(error instanceof SeekRefused)) throw error;
        log(`deliver: ${error.message}`);
        call.write(statusResponse(error.status));
        continue;
      }
      const outcome = await followBlocks(devPeer, call, { ...range, send: (block) => call.write(filteredBlockResponse(devPeer, block)) });
      if (outcome === 'cancelled') return;
      call.write(statusResponse(common.Status.SUCCESS));
    }
    call.end();
  } catch (error) {
    // A client going away ends the stream quietly; anything else (a stored block that cannot be
    // read) is worth a line in the log.
    if (call.cancelled) return;
    log(`deliver stream ended: ${(error as Error).message}`);
    call.end();
  }
}

/** Checks a signed seek envelope (header type, channel, creator's signature) and resolves its range. */
export async function acceptSeek(devPeer: DevPeer, envelope: common.Envelope): Promise<SeekRange> {
  let payload: common.Payload;
  let channelHeader: common.ChannelHeader;
  let signatureHeader: common.SignatureHeader;
  let seekInfo: orderer.SeekInfo;
  try {
    payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const header = payload.getHeader();
    if (!header) throw new Error('the payload has no header');
    channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
    seekInfo = orderer.SeekInfo.deserializeBinary(payload.getData_asU8());
  } catch (error) {
    throw new SeekRefused(common.Status.BAD_REQUEST, `malformed seek envelope: ${(error as Error).message}`);
  }
  if (channelHeader.getType() !== common.HeaderType.DELIVER_SEEK_INFO) {
    throw new SeekRefused(common.Status.BAD_REQUEST, `header type ${channelHeader.getType()} is not DELIVER_SEEK_INFO`);
  }
  try {
    devPeer.checkTarget(channelHeader.getChannelId());
  } catch (error) {
    throw new SeekRefused(common.Status.NOT_FOUND, (error as Error).message);
  }
  try {
    await devPeer.verifier.verify(signatureHeader.getCreator_asU8(), envelope.getPayload_asU8(), envelope.getSignature_asU8());
  } catch (error) {
    throw new SeekRefused(common.Status.FORBIDDEN, (error as Error).message);
  }
  return seekRange(seekInfo, devPeer.blockHeight);
}

/** Resolves a SeekInfo against a ledger of `height` blocks, with the checks of Fabric's deliver handler. */
export function seekRange(seekInfo: orderer.SeekInfo, height: number): SeekRange {
  const newest = Math.max(0, height - 1);
  const position = (at: orderer.SeekPosition | undefined, which: 'start' | 'stop'): number | undefined => {
    switch (at?.getTypeCase()) {
      case orderer.SeekPosition.TypeCase.OLDEST:
        return 0;
      case orderer.SeekPosition.TypeCase.NEWEST:
        return newest;
      case orderer.SeekPosition.TypeCase.NEXT_COMMIT:
        return height;
      case orderer.SeekPosition.TypeCase.SPECIFIED: {
        const number = at.getSpecified()!.getNumber();
        // fabric-gateway asks for "no stop" as the largest block number it can write.
        return which === 'stop' && number >= Number.MAX_SAFE_INTEGER ? undefined : number;
      }
      default:
        throw new SeekRefused(common.Status.BAD_REQUEST, `seek ${which} position is not set`);
    }
  };
  const start = position(seekInfo.getStart(), 'start') as number;
  const stop = position(seekInfo.getStop(), 'stop');
  if (stop !== undefined && stop < start) throw new SeekRefused(common.Status.BAD_REQUEST, `seek stop ${stop} is before its start ${start}`);
  if (seekInfo.getBehavior() === orderer.SeekInfo.SeekBehavior.FAIL_IF_NOT_READY && start >= height) {
    throw new SeekRefused(common.Status.NOT_FOUND, `block ${start} is not committed yet (height ${height})`);
  }
  return stop === undefined ? { start } : { start, stop };
}

function statusResponse(status: DeliverStatus): peerProtos.DeliverResponse {
  const response = new peerProtos.DeliverResponse();
  response.setStatus(status);
  return response;
}

/** A block as Fabric filters it: no read/write sets, no payloads, the event's name only. */
function filteredBlockResponse(devPeer: DevPeer, block: CommittedBlock): peerProtos.DeliverResponse {
  const filtered = new peerProtos.FilteredBlock();
  filtered.setChannelId(devPeer.options.channel);
  filtered.setNumber(block.number);
  filtered.setFilteredTransactionsList(
    block.transactions.map((tx) => {
      const transaction = new peerProtos.FilteredTransaction();
      transaction.setTxid(tx.txId);
      transaction.setType(common.HeaderType.ENDORSER_TRANSACTION);
      transaction.setTxValidationCode(tx.code as ValidationCode);
      if (tx.event && tx.code === TxCode.VALID) {
        const event = new peerProtos.ChaincodeEvent();
        event.setChaincodeId(devPeer.options.chaincodeName);
        event.setTxId(tx.txId);
        event.setEventName(tx.event.name);
        const action = new peerProtos.FilteredChaincodeAction();
        action.setChaincodeEvent(event);
        const actions = new peerProtos.FilteredTransactionActions();
        actions.setChaincodeActionsList([action]);
        transaction.setTransactionActions(actions);
      }
      return transaction;
    }),
  );
  const response = new peerProtos.DeliverResponse();
  response.setFilteredBlock(filtered);
  return response;
}
