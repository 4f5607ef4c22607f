/**
 * Which transactions one peer has committed, and with which validation code, learnt from a single
 * filtered-block stream (Fabric's deliver service: block number, transaction IDs and validation
 * codes only) instead of one signed CommitStatus request per transaction. The gateway uses it for
 * the commit status of its submissions on every organization's peer.
 *
 * It vouches only for what it cannot have missed: a transaction submitted after the stream had
 * delivered its first block commits in a later block, which the stream delivers in order. After
 * a break it resumes from the block after the last one it saw, so it misses nothing there either;
 * while it is down, and for a transaction it does not see within the deadline, callers ask the
 * peer's CommitStatus as before.
 */
import type { CloseableAsyncIterable, Gateway } from '@hyperledger/fabric-gateway';
import type { peer } from '@hyperledger/fabric-protos';

export interface CommitWatcherOptions {
  /** How long to wait for a transaction before the caller falls back to CommitStatus. */
  waitMs: number;
  /** Transaction IDs remembered after their block, for callers that ask after it arrived. */
  rememberTransactions?: number;
  onError?: (err: unknown, failures: number) => void;
}

/** How a peer committed a transaction (what CommitStatus would have said). */
export interface Committed {
  code: number;
  blockNumber: bigint;
}

interface Waiter {
  resolve: (committed: Committed | undefined) => void;
  timer: NodeJS.Timeout;
}

export class PeerCommitWatcher {
  /** Transactions of recent blocks, oldest first (Map keeps insertion order). */
  readonly #recent = new Map<string, Committed>();
  readonly #waiters = new Map<string, Waiter[]>();
  readonly #remember: number;
  #stream: CloseableAsyncIterable<peer.FilteredBlock> | undefined;
  /** performance.now() when the first block arrived; transactions submitted after it are covered. */
  #liveSince: number | undefined;
  #connected = false;
  #lastBlock: bigint | undefined;
  #closed = false;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly gateway: () => Promise<Gateway>,
    private readonly channel: string,
    private readonly options: CommitWatcherOptions,
  ) {
    this.#remember = options.rememberTransactions ?? 100_000;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /**
   * Resolves with the validation code and block once the peer has committed `txId`, or undefined
   * when the watcher cannot vouch for it — not connected, or not seen within the deadline — and the
   * caller must ask the peer itself. `submittedAt` is performance.now() taken before the
   * transaction was submitted; `waitMs` bounds this wait (default: the watcher's `waitMs`).
   */
  committed(txId: string, submittedAt: number, waitMs: number = this.options.waitMs): Promise<Committed | undefined> {
    const seen = this.#recent.get(txId);
    if (seen) return Promise.resolve(seen);
    if (!this.#connected || this.#liveSince === undefined || this.#liveSince > submittedAt || waitMs <= 0) return Promise.resolve(undefined);
    return new Promise<Committed | undefined>((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          this.#drop(txId, waiter);
          resolve(undefined);
        }, waitMs),
      };
      const list = this.#waiters.get(txId);
      if (list) list.push(waiter);
      else this.#waiters.set(txId, [waiter]);
    });
  }

  get live(): boolean {
    return this.#connected && this.#liveSince !== undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stream?.close();
    this.#failWaiters();
    await this.#loop?.catch(() => undefined);
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      try {
        const network = (await this.gateway()).getNetwork(this.channel);
        const startBlock = this.#lastBlock === undefined ? undefined : this.#lastBlock + 1n;
        this.#stream = await network.getFilteredBlockEvents(startBlock === undefined ? {} : { startBlock });
        if (this.#closed) break;
        // Resumed from the block after the last one seen: nothing in between can be missed.
        if (startBlock !== undefined) this.#connected = true;
        for await (const block of this.#stream) {
          failures = 0;
          this.#connected = true;
          this.#onBlock(block);
        }
      } catch (err) {
        if (this.#closed) break;
        failures++;
        this.options.onError?.(err, failures);
      } finally {
        this.#connected = false;
        this.#stream?.close();
        this.#stream = undefined;
        this.#failWaiters();
      }
      if (!this.#closed) await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** Math.min(failures, 6))));
    }
  }

  #onBlock(block: peer.FilteredBlock): void {
    const blockNumber = BigInt(block.getNumber());
    for (const tx of block.getFilteredTransactionsList()) {
      const txId = tx.getTxid();
      // The first occurrence decides (a duplicate transaction ID later is marked invalid).
      if (this.#recent.has(txId)) continue;
      const committed: Committed = { code: tx.getTxValidationCode(), blockNumber };
      this.#recent.set(txId, committed);
      const waiters = this.#waiters.get(txId);
      if (waiters) {
        this.#waiters.delete(txId);
        for (const w of waiters) {
          clearTimeout(w.timer);
          w.resolve(committed);
        }
      }
    }
    while (this.#recent.size > this.#remember) {
      const oldest = this.#recent.keys().next().value as string;
      this.#recent.delete(oldest);
    }
    this.#lastBlock = blockNumber;
    this.#liveSince ??= performance.now();
  }

  #drop(txId: string, waiter: Waiter): void {
    const list = this.#waiters.get(txId);
    if (!list) return;
    const rest = list.filter((w) => w !== waiter);
    if (rest.length > 0) this.#waiters.set(txId, rest);
    else this.#waiters.delete(txId);
  }

  /** Waiters of a broken stream ask the peer instead (the stream resumes without a gap, but they would wait for it). */
  #failWaiters(): void {
    for (const list of this.#waiters.values()) {
      for (const w of list) {
        clearTimeout(w.timer);
        w.resolve(undefined);
      }
    }
    this.#waiters.clear();
  }
}
