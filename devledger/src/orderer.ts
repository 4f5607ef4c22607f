import type { CommittedBlock, OrderedTransaction } from './ledger/types';

export interface OrdererOptions {
  blockMaxTx: number;
  blockTimeoutMs: number;
  /** Validates and persists one block; called for one block at a time, in order. */
  commit(txs: OrderedTransaction[]): Promise<CommittedBlock>;
  onBlock(block: CommittedBlock): void;
  onError(error: unknown, txs: OrderedTransaction[]): void;
}

/**
 * Cuts blocks when blockMaxTx transactions are queued or blockTimeoutMs after the first queued
 * one, and commits them strictly one after another. Transactions that arrive while a block is
 * being committed form the next block as soon as that commit ends.
 */
export class Orderer {
  private queue: OrderedTransaction[] = [];
  private timer: NodeJS.Timeout | undefined;
  private committing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: OrdererOptions) {}

  get pending(): number {
    return this.queue.length;
  }

  broadcast(tx: OrderedTransaction): void {
    if (this.closed) throw new Error('orderer is closed');
    this.queue.push(tx);
    if (this.committing) return;
    if (this.queue.length >= this.options.blockMaxTx) this.cut();
    else if (!this.timer) this.timer = setTimeout(() => this.cut(), this.options.blockTimeoutMs);
  }

  /** Commits what is queued, then stops accepting transactions. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.committing || this.queue.length > 0) {
      if (!this.committing) this.cut();
      await this.committing;
    }
  }

  private cut(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.committing || this.queue.length === 0) return;
    const txs = this.queue.splice(0, this.options.blockMaxTx);
    this.committing = this.options
      .commit(txs)
      .then((block) => this.options.onBlock(block))
      .catch((error: unknown) => this.options.onError(error, txs))
      .finally(() => {
        this.committing = undefined;
        // Transactions queued during the commit have already waited for it: cut them at once.
        if (this.queue.length > 0) this.cut();
      });
  }
}
