import { isDeepStrictEqual } from 'node:util';
import type { Collections } from './chaincode/collections';
import type { ExecutionResult } from './chaincode/connection';
import type { ChaincodeRuntime } from './chaincode/runtime';
import { TxSimulation } from './chaincode/simulation';
import { DevLedgerError } from './errors';
import { buildPreparedPayload } from './gateway/prepared-transaction';
import type { ParsedProposal } from './gateway/proposal';
import { txReadWriteSetWriter } from './gateway/rwset-codec';
import type { PeerIdentity } from './identity/peer-identity';
import { SignatureVerifier } from './identity/verifier';
import type { Ledger, TxStatus } from './ledger/ledger';
import type { CommittedBlock, OrderedTransaction, ReadWriteSet } from './ledger/types';
import { Orderer } from './orderer';
import { bytesOf, readFields, stringOf } from './protobuf/wire';

export interface DevPeerOptions {
  channel: string;
  chaincodeName: string;
  blockMaxTx: number;
  blockTimeoutMs: number;
  /** Run every endorsement twice and fail it if the two runs differ (cheap non-determinism guard). */
  determinismCheck: boolean;
  totalQueryLimit: number;
  log: (msg: string) => void;
}

export interface Simulated {
  execution: ExecutionResult;
  rwset: ReadWriteSet;
}

interface PendingEndorsement {
  payloadBytes: Buffer;
  creatorBytes: Uint8Array;
  tx: OrderedTransaction;
  expiresAt: number;
}

const PENDING_TTL_MS = 10 * 60 * 1000;

/** Endorser + committer of the single dev peer, with the solo orderer behind it. */
export class DevPeer {
  readonly verifier = new SignatureVerifier();
  private readonly pending = new Map<string, PendingEndorsement>();
  private readonly ordered = new Set<string>();
  private readonly commitWaiters = new Map<string, Set<(status: TxStatus) => void>>();
  private readonly blockListeners = new Set<(block: CommittedBlock) => void>();
  private readonly orderer: Orderer;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly ledger: Ledger,
    private readonly chaincode: ChaincodeRuntime,
    private readonly collections: Collections,
    readonly identity: PeerIdentity,
    readonly options: DevPeerOptions,
  ) {
    this.orderer = new Orderer({
      blockMaxTx: options.blockMaxTx,
      blockTimeoutMs: options.blockTimeoutMs,
      commit: (txs) => ledger.commitBlock(txs),
      onBlock: (block) => this.onBlockCommitted(block),
      onError: (error, txs) => {
        options.log(`block commit failed: ${(error as Error).message}`);
        for (const tx of txs) this.ordered.delete(tx.txId);
      },
    });
    this.sweeper = setInterval(() => this.dropExpiredEndorsements(), 60_000).unref();
  }

  get blockHeight(): number {
    return this.ledger.height;
  }

  txStatus(txId: string): TxStatus | undefined {
    return this.ledger.txStatus(txId);
  }

  checkTarget(channelId: string, chaincodeName?: string): void {
    if (channelId !== this.options.channel) {
      throw new DevLedgerError('NOT_FOUND', `channel ${channelId} not found (the dev ledger serves channel ${this.options.channel})`);
    }
    if (chaincodeName !== undefined && chaincodeName !== this.options.chaincodeName) {
      throw new DevLedgerError('NOT_FOUND', `chaincode ${chaincodeName} is not deployed on channel ${channelId}`);
    }
  }

  /** Runs the proposal against committed state (twice when the determinism guard is on). */
  async simulate(proposal: ParsedProposal): Promise<Simulated> {
    this.checkTarget(proposal.channelId, proposal.chaincodeName);
    const first = await this.runOnce(proposal);
    if (this.options.determinismCheck && first.execution.response.status < 400) {
      const second = await this.runOnce(proposal);
      if (!isDeepStrictEqual(first.execution, second.execution) || !isDeepStrictEqual(first.rwset.writes, second.rwset.writes)) {
        throw new DevLedgerError('NON_DETERMINISTIC', `transaction ${proposal.txId} produced different results on two runs`);
      }
    }
    return first;
  }

  /** Simulates and returns the prepared (unsigned) transaction envelope's payload, keeping the rwset until Submit. */
  async endorse(proposal: ParsedProposal): Promise<{ payloadBytes: Buffer | undefined; simulated: Simulated }> {
    if (this.ledger.txStatus(proposal.txId) || this.ordered.has(proposal.txId)) {
      throw new DevLedgerError('DUPLICATE_TXID', `duplicate transaction found [${proposal.txId}]`);
    }
    const simulated = await this.simulate(proposal);
    if (simulated.execution.response.status >= 400) return { payloadBytes: undefined, simulated };
    const results = txReadWriteSetWriter(this.options.chaincodeName, simulated.rwset);
    const payloadBytes = buildPreparedPayload(proposal, simulated.execution, results, this.identity);
    this.pending.set(proposal.txId, {
      payloadBytes,
      creatorBytes: proposal.creatorBytes,
      tx: {
        txId: proposal.txId,
        rwset: simulated.rwset,
        timestamp: proposal.timestamp,
        ...(simulated.execution.event ? { event: simulated.execution.event } : {}),
      },
      expiresAt: Date.now() + PENDING_TTL_MS,
    });
    return { payloadBytes, simulated };
  }

  /** Accepts a signed envelope for ordering if it is exactly a transaction this peer endorsed. */
  async submit(envelope: { payloadBytes: Uint8Array; signature: Uint8Array }): Promise<string> {
    const { payloadBytes, signature } = envelope;
    if (signature.length === 0) throw new DevLedgerError('INVALID_ARGUMENT', 'prepared transaction must be signed');
    let txId: string;
    let channelId: string;
    try {
      // Payload{header: Header{channel_header: ChannelHeader{channel_id = 4, tx_id = 5}}}
      const channelHeader = readFields(bytesOf(readFields(bytesOf(readFields(payloadBytes), 1)), 1));
      txId = stringOf(channelHeader, 5);
      channelId = stringOf(channelHeader, 4);
    } catch (error) {
      throw new DevLedgerError('INVALID_ARGUMENT', `malformed transaction envelope: ${(error as Error).message}`);
    }
    this.checkTarget(channelId);
    if (this.ledger.txStatus(txId) || this.ordered.has(txId)) {
      throw new DevLedgerError('DUPLICATE_TXID', `duplicate transaction ID ${txId}: it was already submitted`);
    }
    const pending = this.pending.get(txId);
    if (!pending) throw new DevLedgerError('NOT_ENDORSED', `transaction ${txId} was not endorsed by this peer (or its endorsement expired)`);
    if (!pending.payloadBytes.equals(payloadBytes)) {
      throw new DevLedgerError('ENVELOPE_MISMATCH', `transaction ${txId} does not match the transaction this peer endorsed`);
    }
    // Claimed while the signature is checked, so a concurrent second submit of it is a duplicate.
    this.pending.delete(txId);
    this.ordered.add(txId);
    try {
      await this.verifier.verify(pending.creatorBytes, payloadBytes, signature);
    } catch (error) {
      this.ordered.delete(txId);
      this.pending.set(txId, pending);
      throw error;
    }
    this.orderer.broadcast(pending.tx);
    return txId;
  }

  /** Resolves when the transaction is committed (immediately if it already is); `signal` cancels the wait. */
  commitStatus(txId: string, signal: AbortSignal): Promise<TxStatus> {
    const status = this.ledger.txStatus(txId);
    if (status) return Promise.resolve(status);
    return new Promise((resolve, reject) => {
      let waiters = this.commitWaiters.get(txId);
      if (!waiters) this.commitWaiters.set(txId, (waiters = new Set()));
      const waiter = (s: TxStatus) => resolve(s);
      waiters.add(waiter);
      signal.addEventListener('abort', () => {
        waiters.delete(waiter);
        if (waiters.size === 0) this.commitWaiters.delete(txId);
        reject(new DevLedgerError('CANCELLED', 'commit status request cancelled'));
      });
    });
  }

  onBlock(listener: (block: CommittedBlock) => void): () => void {
    this.blockListeners.add(listener);
    return () => this.blockListeners.delete(listener);
  }

  readBlock(blockNum: number): Promise<CommittedBlock | undefined> {
    return this.ledger.readBlock(blockNum);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.orderer.close();
  }

  private async runOnce(proposal: ParsedProposal): Promise<Simulated> {
    const simulation = new TxSimulation(
      this.ledger,
      this.collections,
      { totalQueryLimit: this.options.totalQueryLimit, batchSize: 100 },
      { txId: proposal.txId, creatorMspId: proposal.creator.mspId },
    );
    const execution = await this.chaincode.execute({
      txId: proposal.txId,
      channelId: proposal.channelId,
      inputBytes: proposal.inputBytes,
      signedProposal: proposal.signedProposal.encoded,
      simulation,
    });
    return { execution, rwset: simulation.rwset };
  }

  private onBlockCommitted(block: CommittedBlock): void {
    block.transactions.forEach((tx) => {
      this.ordered.delete(tx.txId);
      const status = this.ledger.txStatus(tx.txId);
      const waiters = this.commitWaiters.get(tx.txId);
      if (status && waiters) {
        this.commitWaiters.delete(tx.txId);
        for (const waiter of waiters) waiter(status);
      }
    });
    for (const listener of this.blockListeners) listener(block);
  }

  private dropExpiredEndorsements(): void {
    const now = Date.now();
    for (const [txId, pending] of this.pending) if (pending.expiresAt < now) this.pending.delete(txId);
  }
}
