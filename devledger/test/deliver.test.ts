/** Filtered block events (protos.Deliver/DeliverFiltered) through the real fabric-gateway client. */
import crypto from 'node:crypto';
import { connect, hash, type Contract, type Network } from '@hyperledger/fabric-gateway';
import { orderer, peer } from '@hyperledger/fabric-protos';
import type { DevLedger } from '../src';
import { seekRange } from '../src/gateway/deliver';
import { signLowSAsync } from '../src/identity/ecdsa';
import { connectClient, makeIdentity, startFixtureLedger, tempDataDir, type TestClient, type TestIdentity } from './helpers';

type FilteredBlock = peer.FilteredBlock;

/** The next `count` blocks of a filtered-block stream, then the stream is closed. */
async function take(events: AsyncIterable<FilteredBlock> & { close(): void }, count: number): Promise<FilteredBlock[]> {
  const blocks: FilteredBlock[] = [];
  try {
    for await (const block of events) {
      blocks.push(block);
      if (blocks.length === count) break;
    }
  } finally {
    events.close();
  }
  return blocks;
}

const txIdsOf = (blocks: FilteredBlock[]) => blocks.flatMap((b) => b.getFilteredTransactionsList().map((t) => t.getTxid()));

describe('filtered block events', () => {
  let ledger: DevLedger;
  let client: TestClient;
  let network: Network;
  let contract: Contract;
  let alice: TestIdentity;

  beforeAll(async () => {
    ledger = await startFixtureLedger(tempDataDir('deliver'));
    alice = await makeIdentity('UtilityMSP', 'alice');
    client = connectClient(ledger.gatewayEndpoint, alice);
    network = client.gateway.getNetwork('energy');
    contract = network.getContract('probe', 'probe');
  });

  afterAll(async () => {
    client?.close();
    await ledger?.close();
  });

  it('replays committed blocks from a start block, each transaction with its validation code and event name', async () => {
    const put = await contract.newProposal('Put', { arguments: ['d1', 'v'] }).endorse();
    const putStatus = await (await put.submit()).getStatus();
    const emitted = await contract.newProposal('Emit', { arguments: ['Metered', 'secret payload'] }).endorse();
    const emitStatus = await (await emitted.submit()).getStatus();

    const blocks = await take(await network.getFilteredBlockEvents({ startBlock: putStatus.blockNumber }), Number(emitStatus.blockNumber - putStatus.blockNumber) + 1);
    expect(blocks.map((b) => b.getNumber())).toEqual(
      Array.from({ length: blocks.length }, (_, i) => Number(putStatus.blockNumber) + i),
    );
    expect(blocks.every((b) => b.getChannelId() === 'energy')).toBe(true);
    const transactions = blocks.flatMap((b) => b.getFilteredTransactionsList());
    const putTx = transactions.find((t) => t.getTxid() === put.getTransactionId())!;
    expect(putTx.getTxValidationCode()).toBe(peer.TxValidationCode.VALID);
    const emitTx = transactions.find((t) => t.getTxid() === emitted.getTransactionId())!;
    const event = emitTx.getTransactionActions()!.getChaincodeActionsList()[0]!.getChaincodeEvent()!;
    expect([event.getChaincodeId(), event.getTxId(), event.getEventName()]).toEqual(['probe', emitted.getTransactionId(), 'Metered']);
    // A filtered block never carries payloads.
    expect(event.getPayload_asU8()).toHaveLength(0);
  });

  it('follows new commits live, invalid transactions included with their code', async () => {
    const reset = await (await (await contract.newProposal('Put', { arguments: ['counter', '0'] }).endorse()).submit()).getStatus();
    // From the next block on: what follows is served as it commits.
    const events = await network.getFilteredBlockEvents({ startBlock: reset.blockNumber + 1n });
    const first = await contract.newProposal('Increment', { arguments: ['counter'] }).endorse();
    const second = await contract.newProposal('Increment', { arguments: ['counter'] }).endorse();
    await (await first.submit()).getStatus();
    const secondStatus = await (await second.submit()).getStatus();
    expect(secondStatus.code).toBe(peer.TxValidationCode.MVCC_READ_CONFLICT);

    const seen = new Map<string, number>();
    for await (const block of events) {
      for (const tx of block.getFilteredTransactionsList()) seen.set(tx.getTxid(), tx.getTxValidationCode());
      if (seen.has(second.getTransactionId())) break;
    }
    events.close();
    expect(seen.get(first.getTransactionId())).toBe(peer.TxValidationCode.VALID);
    expect(seen.get(second.getTransactionId())).toBe(peer.TxValidationCode.MVCC_READ_CONFLICT);
  });

  it('keeps serving after a client disconnects mid-stream', async () => {
    await take(await network.getFilteredBlockEvents({ startBlock: 0n }), 1);
    const status = await (await (await contract.newProposal('Put', { arguments: ['after-close', 'v'] }).endorse()).submit()).getStatus();
    const [block] = await take(await network.getFilteredBlockEvents({ startBlock: status.blockNumber }), 1);
    expect(txIdsOf([block!])).toContain(status.transactionId);
  });

  it('answers a seek on another channel with NOT_FOUND and one signed by another key with FORBIDDEN', async () => {
    const elsewhere = await client.gateway.getNetwork('other-channel').getFilteredBlockEvents({ startBlock: 0n });
    await expect(take(elsewhere, 1)).rejects.toThrow('Unexpected status response: 404');

    // Alice's certificate, but signatures from a key that is not hers.
    const stranger = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const forger = connect({ client: client.client, identity: alice.identity, signer: (m) => signLowSAsync(m, stranger), hash: hash.none });
    try {
      const forged = await forger.getNetwork('energy').getFilteredBlockEvents({ startBlock: 0n });
      await expect(take(forged, 1)).rejects.toThrow('Unexpected status response: 403');
    } finally {
      forger.close();
    }
  });

  it('does not serve full blocks (the dev ledger keeps no envelopes)', async () => {
    const full = await network.getBlockEvents({ startBlock: 0n });
    await expect(
      (async () => {
        for await (const block of full) return block;
      })(),
    ).rejects.toThrow(/UNIMPLEMENTED|not implement/i);
    full.close();
  });
});

describe('seek positions', () => {
  const position = (set: (p: orderer.SeekPosition) => void) => {
    const p = new orderer.SeekPosition();
    set(p);
    return p;
  };
  const specified = (n: number) =>
    position((p) => {
      const at = new orderer.SeekSpecified();
      at.setNumber(n);
      p.setSpecified(at);
    });
  const seek = (start: orderer.SeekPosition | undefined, stop: orderer.SeekPosition | undefined, failIfNotReady = false) => {
    const info = new orderer.SeekInfo();
    if (start) info.setStart(start);
    if (stop) info.setStop(stop);
    if (failIfNotReady) info.setBehavior(orderer.SeekInfo.SeekBehavior.FAIL_IF_NOT_READY);
    return info;
  };

  it('maps oldest, newest, next commit and specified positions onto the ledger height', () => {
    const oldest = position((p) => p.setOldest(new orderer.SeekOldest()));
    const newest = position((p) => p.setNewest(new orderer.SeekNewest()));
    const nextCommit = position((p) => p.setNextCommit(new orderer.SeekNextCommit()));
    expect(seekRange(seek(oldest, newest), 10)).toEqual({ start: 0, stop: 9 });
    expect(seekRange(seek(newest, specified(Number.MAX_SAFE_INTEGER)), 10)).toEqual({ start: 9 });
    expect(seekRange(seek(nextCommit, specified(Number.MAX_SAFE_INTEGER)), 10)).toEqual({ start: 10 });
    expect(seekRange(seek(specified(3), specified(5)), 10)).toEqual({ start: 3, stop: 5 });
  });

  it('refuses unset positions, a stop before the start, and a block not yet committed when asked to fail', () => {
    expect(() => seekRange(seek(undefined, specified(1)), 10)).toThrow('seek start position is not set');
    expect(() => seekRange(seek(specified(1), undefined), 10)).toThrow('seek stop position is not set');
    expect(() => seekRange(seek(specified(5), specified(3)), 10)).toThrow('seek stop 3 is before its start 5');
    expect(() => seekRange(seek(specified(10), specified(12), true), 10)).toThrow('block 10 is not committed yet');
    expect(seekRange(seek(specified(10), specified(12)), 10)).toEqual({ start: 10, stop: 12 });
  });
});
