import type { Gateway } from '@hyperledger/fabric-gateway';
import { PeerCommitWatcher } from '../src/fabric/commit-watcher';

/** A filtered block as the deliver service sends it (only what the watcher reads); `id:code` sets a validation code. */
const block = (number: number, ...txIds: string[]) => ({
  getNumber: () => number,
  getFilteredTransactionsList: () =>
    txIds.map((t) => {
      const [txId, code] = t.split(':');
      return { getTxid: () => txId, getTxValidationCode: () => Number(code ?? 0) };
    }),
});
type FakeBlock = ReturnType<typeof block>;

/** A peer whose block stream the test feeds, breaks, and whose start positions it records. */
function fakePeer() {
  const starts: Array<bigint | undefined> = [];
  let push: ((b: FakeBlock) => void) | undefined;
  let fail: ((err: Error) => void) | undefined;
  let opened: () => void = () => undefined;
  let openedOnce = new Promise<void>((r) => (opened = r));
  const network = {
    getFilteredBlockEvents: async (options: { startBlock?: bigint }) => {
      starts.push(options.startBlock);
      const queue: FakeBlock[] = [];
      let wake: (() => void) | undefined;
      let error: Error | undefined;
      let closed = false;
      push = (b) => {
        queue.push(b);
        wake?.();
      };
      fail = (err) => {
        error = err;
        wake?.();
      };
      opened();
      return {
        close: () => {
          closed = true;
          wake?.();
        },
        async *[Symbol.asyncIterator]() {
          while (!closed) {
            if (error) throw error;
            const next = queue.shift();
            if (next) yield next;
            else await new Promise<void>((r) => (wake = r));
          }
        },
      };
    },
  };
  const gateway = { getNetwork: () => network } as unknown as Gateway;
  return {
    gateway,
    starts,
    push: (b: FakeBlock) => push?.(b),
    fail: (err: Error) => fail?.(err),
    nextOpen: async () => {
      await openedOnce;
      openedOnce = new Promise<void>((r) => (opened = r));
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

test('vouches only for transactions submitted after its first block, and answers from the stream', async () => {
  const peer = fakePeer();
  const watcher = new PeerCommitWatcher(async () => peer.gateway, 'energy', { waitMs: 60_000 });
  watcher.start();
  await peer.nextOpen();
  expect(peer.starts).toEqual([undefined]);

  // No block yet: it cannot know what it missed, so the caller must ask the peer.
  await expect(watcher.committed('tx-early', performance.now())).resolves.toBeUndefined();

  peer.push(block(7, 'tx-a'));
  await tick();
  expect(watcher.live).toBe(true);
  // Seen in a delivered block: answered at once, whenever it was submitted.
  await expect(watcher.committed('tx-a', 0)).resolves.toEqual({ code: 0, blockNumber: 7n });
  // Submitted before the stream went live and not seen: not vouched for.
  await expect(watcher.committed('tx-old', 0)).resolves.toBeUndefined();

  const pending = watcher.committed('tx-b', performance.now());
  let settled = false;
  void pending.then(() => (settled = true));
  await tick();
  expect(settled).toBe(false);
  // MVCC_READ_CONFLICT (11): the code is what CommitStatus would have said; a later duplicate does not change it.
  peer.push(block(8, 'tx-c', 'tx-b:11'));
  await expect(pending).resolves.toEqual({ code: 11, blockNumber: 8n });
  peer.push(block(9, 'tx-b:9'));
  await tick();
  await expect(watcher.committed('tx-b', 0)).resolves.toEqual({ code: 11, blockNumber: 8n });
  await watcher.close();
});

test('a broken stream sends its waiters to the peer and resumes after the last block it saw', async () => {
  const peer = fakePeer();
  const errors: unknown[] = [];
  const watcher = new PeerCommitWatcher(async () => peer.gateway, 'energy', { waitMs: 60_000, onError: (err) => errors.push(err) });
  watcher.start();
  await peer.nextOpen();
  peer.push(block(41, 'tx-1'));
  await tick();
  const pending = watcher.committed('tx-2', performance.now());
  peer.fail(new Error('stream reset'));
  await expect(pending).resolves.toBeUndefined();
  expect(errors).toHaveLength(1);
  expect(watcher.live).toBe(false);
  await expect(watcher.committed('tx-3', performance.now())).resolves.toBeUndefined();

  await peer.nextOpen();
  expect(peer.starts).toEqual([undefined, 42n]);
  const resumed = watcher.committed('tx-3', performance.now());
  peer.push(block(42, 'tx-2', 'tx-3'));
  await tick();
  expect(watcher.live).toBe(true);
  await expect(resumed).resolves.toEqual({ code: 0, blockNumber: 42n });
  await watcher.close();
});

test('a transaction not seen within the deadline is left to the peer', async () => {
  const peer = fakePeer();
  const watcher = new PeerCommitWatcher(async () => peer.gateway, 'energy', { waitMs: 20 });
  watcher.start();
  await peer.nextOpen();
  peer.push(block(1, 'tx-1'));
  await tick();
  await expect(watcher.committed('tx-never', performance.now())).resolves.toBeUndefined();
  await watcher.close();
});

test('remembers a bounded number of transaction IDs', async () => {
  const peer = fakePeer();
  const watcher = new PeerCommitWatcher(async () => peer.gateway, 'energy', { waitMs: 20, rememberTransactions: 2 });
  watcher.start();
  await peer.nextOpen();
  peer.push(block(1, 'tx-1', 'tx-2', 'tx-3'));
  await tick();
  await expect(watcher.committed('tx-3', 0)).resolves.toMatchObject({ blockNumber: 1n });
  await expect(watcher.committed('tx-2', 0)).resolves.toMatchObject({ blockNumber: 1n });
  await expect(watcher.committed('tx-1', 0)).resolves.toBeUndefined();
  await watcher.close();
});
