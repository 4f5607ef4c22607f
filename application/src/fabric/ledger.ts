import { status as GrpcStatus, type CallOptions } from '@grpc/grpc-js';
import { CommitError, CommitStatusError, StatusCode, type Commit, type Contract, type Status } from '@hyperledger/fabric-gateway';
import type { FabricConnections } from './connections';
import { CommitUnknownError, isConflict, isEndorsementMismatch, toHttpError } from './errors';

/** Transaction names of each contract of the `gridshare` chaincode (chaincode/README.md). */
export interface Transactions {
  consortium: 'Init' | 'GetConsortium' | 'WhoAmI';
  households:
    | 'OnboardHousehold'
    | 'GetHousehold'
    | 'GetPrivateDetails'
    | 'ListHouseholds'
    | 'AddMember'
    | 'RemoveMember'
    | 'SetMemberTrading'
    | 'SetSuspended'
    | 'SetCreditLimit';
  money: 'Deposit' | 'Withdraw' | 'GetStatement' | 'GetAccountBalance';
  meters: 'RegisterMeter' | 'RetireMeter' | 'GetMeter' | 'SubmitReadings' | 'GetReadings';
  market:
    | 'GetMarketConfig'
    | 'UpdateMarketConfig'
    | 'PlaceOrder'
    | 'CancelOrder'
    | 'GetOrder'
    | 'ListOrders'
    | 'GetInterval'
    | 'CloseInterval'
    | 'ClearInterval'
    | 'ListTrades';
  settlement: 'SettleInterval';
  certificates: 'ListCertificates' | 'ClaimCertificate';
  audit: 'Conservation';
}
export type ContractName = keyof Transactions;

export interface Invocation {
  /** Plain arguments; objects are sent as one JSON string. */
  args?: ReadonlyArray<string | object>;
  /** Transient data (private inputs that must not land in the transaction). */
  transient?: Record<string, string>;
}

export interface SubmitOptions {
  /**
   * When the other organizations' peers must have committed the transaction: before the call
   * returns (default), or before this user's next evaluate or submit — for transactions whose new
   * keys only their own user acts on next (order placement), so the response waits only for the
   * user's own peer.
   */
  otherPeers?: 'before-return' | 'before-next-request';
}

export interface EvaluateOptions {
  /** Deadline of this evaluate instead of the connection's default (long read-only queries). */
  timeoutMs?: number;
}

/**
 * Why a submit is retried as a new transaction: an MVCC/phantom validation code, or endorsing peers
 * that returned different results (one had not committed a block the other had).
 */
export type ConflictCode = 'MVCC_READ_CONFLICT' | 'PHANTOM_READ_CONFLICT' | 'ENDORSEMENT_MISMATCH';

export type Outcome = 'ok' | 'business_error' | 'conflict' | 'unavailable' | 'commit_unknown' | 'error';

/** Hooks for metrics; the ledger client knows nothing of Prometheus. */
export interface LedgerObserver {
  transaction(kind: 'evaluate' | 'submit', name: string, outcome: Outcome, seconds: number): void;
  /** A submit resubmitted as a new transaction after its commit failed with this conflict code. */
  conflictRetry(name: string, code: ConflictCode): void;
  /** A commit status asked for again, for the same transaction, after its deadline passed. */
  commitStatusRepoll(name: string): void;
  /** A committed transaction (own peer VALID) that another organization's peer did not confirm in time. */
  peerCommitUnconfirmed?(name: string, peerMspId: string): void;
}

/** Where warnings go (a pino/Fastify logger fits). */
export interface LedgerLog {
  warn(details: object, message: string): void;
}

interface Unconfirmed {
  mspId: string;
  err: unknown;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** How many more times to ask for a commit status after its deadline passed. */
  commitStatusPolls: number;
  /**
   * The whole time one attempt waits for its commit, watchers and CommitStatus requests together
   * (then COMMIT_UNKNOWN); each of the 1 + commitStatusPolls waits gets an equal share of it.
   */
  commitWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 25, maxDelayMs: 1_000, commitStatusPolls: 3, commitWaitMs: 60_000 };

/**
 * The commit-wait budget of one submit attempt: a watcher wait and each CommitStatus request take
 * at most one share (total / (1 + polls)), and none outlives the total.
 */
export class CommitBudget {
  readonly #endsAt: number;
  readonly #shareMs: number;

  constructor(totalMs: number, polls: number) {
    this.#endsAt = performance.now() + totalMs;
    this.#shareMs = totalMs / (1 + Math.max(0, polls));
  }

  remainingMs(): number {
    return Math.max(0, this.#endsAt - performance.now());
  }

  /** How long a commit watcher may wait before the caller asks the peer instead. */
  watcherWaitMs(): number {
    return Math.min(this.#shareMs, this.remainingMs());
  }

  /** The deadline of the next CommitStatus request, in whole ms from now: the same share. */
  requestDeadlineMs(): number {
    return Math.floor(this.watcherWaitMs());
  }
}
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function outcomeOf(err: unknown): Outcome {
  const mapped = toHttpError(err);
  if (mapped.statusCode === 503) return 'unavailable';
  if (mapped instanceof CommitUnknownError) return 'commit_unknown';
  if (mapped.statusCode < 500) return isConflict(err) ? 'conflict' : 'business_error';
  return 'error';
}

/**
 * The one path to the chaincode: evaluates and submits as a given gateway user, parses the
 * canonical JSON results, retries MVCC/phantom conflicts as new transactions and maps failures
 * to the API's errors.
 */
export class Ledger {
  /** Per user, the other peers' confirmations of transactions already answered: the user's next request waits for them. */
  readonly #confirming = new Map<string, Set<Promise<void>>>();

  constructor(
    private readonly connections: FabricConnections,
    private readonly observer?: LedgerObserver,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly log?: LedgerLog,
  ) {}

  get chaincode(): string {
    return this.connections.profile.chaincode;
  }

  async contract(userId: string, name: ContractName): Promise<Contract> {
    const gateway = await this.connections.gatewayFor(userId);
    return gateway.getNetwork(this.connections.profile.channel).getContract(this.chaincode, name);
  }

  async evaluate<T, C extends ContractName = ContractName>(
    userId: string,
    contract: C,
    transaction: Transactions[C],
    invocation: Invocation = {},
    options: EvaluateOptions = {},
  ): Promise<T> {
    const started = process.hrtime.bigint();
    const name = `${contract}:${transaction}`;
    try {
      await this.#confirmedElsewhere(userId);
      const c = await this.contract(userId, contract);
      const proposal = c.newProposal(transaction, toProposalOptions(invocation));
      const bytes = await proposal.evaluate(options.timeoutMs === undefined ? undefined : { deadline: Date.now() + options.timeoutMs });
      this.#observe('evaluate', name, 'ok', started);
      return parseResult<T>(bytes);
    } catch (err) {
      this.#observe('evaluate', name, outcomeOf(err), started);
      throw toHttpError(err);
    }
  }

  async submit<T, C extends ContractName = ContractName>(
    userId: string,
    contract: C,
    transaction: Transactions[C],
    invocation: Invocation = {},
    options: SubmitOptions = {},
  ): Promise<T> {
    const started = process.hrtime.bigint();
    const name = `${contract}:${transaction}`;
    try {
      await this.#confirmedElsewhere(userId);
      const c = await this.contract(userId, contract);
      const result = await this.#submitWithRetry(userId, c, transaction, invocation, name, options.otherPeers ?? 'before-return');
      this.#observe('submit', name, 'ok', started);
      return result as T;
    } catch (err) {
      this.#observe('submit', name, outcomeOf(err), started);
      throw toHttpError(err);
    }
  }

  /** Waits until the other peers have confirmed (or given up on) every transaction this user was already answered for. */
  async #confirmedElsewhere(userId: string): Promise<void> {
    const pending = this.#confirming.get(userId);
    if (pending) await Promise.all(pending);
  }

  /** Follows the other peers' confirmation of an answered transaction until it settles, for the user's next request. */
  #confirmBeforeNextRequest(userId: string, confirmation: Promise<void>): void {
    let pending = this.#confirming.get(userId);
    if (!pending) this.#confirming.set(userId, (pending = new Set()));
    // Never rejects: nothing awaits it until the user's next request, which must not fail for it.
    const tracked = confirmation.catch(() => undefined).finally(() => {
      pending.delete(tracked);
      if (pending.size === 0 && this.#confirming.get(userId) === pending) this.#confirming.delete(userId);
    });
    pending.add(tracked);
  }

  async #submitWithRetry(
    userId: string,
    contract: Contract,
    transaction: string,
    invocation: Invocation,
    name: string,
    otherPeers: NonNullable<SubmitOptions['otherPeers']>,
  ): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      // Each attempt is a fresh proposal, so a fresh transaction ID: Fabric never revalidates one.
      const submittedAt = performance.now();
      let submitted: Awaited<ReturnType<Contract['submitAsync']>>;
      try {
        submitted = await contract.submitAsync(transaction, toProposalOptions(invocation));
      } catch (err) {
        // Peers that disagree have usually not committed the same blocks yet: endorse again.
        if (!isEndorsementMismatch(err) || attempt >= this.retry.maxAttempts) throw err;
        this.observer?.conflictRetry(name, 'ENDORSEMENT_MISMATCH');
        await this.#backoff(attempt);
        continue;
      }
      // One commit-wait budget per attempt, shared by every wait below (watchers and CommitStatus).
      const budget = new CommitBudget(this.retry.commitWaitMs, this.retry.commitStatusPolls);
      // Ask the other organizations' peers alongside our own, so the wait costs the slowest peer's
      // commit rather than the sum of both. Settled into a value so a failure is never unhandled.
      const elsewhere = this.#committedOnOtherPeers(userId, submitted, submittedAt, name, budget).catch(
        (err: unknown): Unconfirmed[] => [{ mspId: 'other peers', err }],
      );
      const status = await this.#ownCommitStatus(userId, submitted, submittedAt, name, budget);
      if (status.successful) {
        // Committed: the own peer's VALID is final. The other peers are waited for only to give
        // read-your-writes across the consortium (before this returns, or before the user's next
        // request); one that cannot confirm is not a failure.
        const confirmed = elsewhere.then((unconfirmed) => {
          for (const { mspId, err } of unconfirmed) {
            this.log?.warn({ err, txId: status.transactionId, peer: mspId, transaction: name }, 'committed transaction not confirmed on another organization\'s peer');
            this.observer?.peerCommitUnconfirmed?.(name, mspId);
          }
        });
        if (otherPeers === 'before-return') await confirmed;
        else this.#confirmBeforeNextRequest(userId, confirmed);
        return parseResult(submitted.getResult());
      }
      const error = new CommitError({ code: status.code, transactionId: status.transactionId, message: `transaction ${status.transactionId} failed to commit with status code ${status.code}` });
      if (!isConflict(error) || attempt >= this.retry.maxAttempts) throw error;
      this.observer?.conflictRetry(name, status.code === StatusCode.PHANTOM_READ_CONFLICT ? 'PHANTOM_READ_CONFLICT' : 'MVCC_READ_CONFLICT');
      await this.#backoff(attempt);
    }
  }

  /** Exponential backoff with jitter before attempt `attempt + 1`. */
  #backoff(attempt: number): Promise<void> {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return sleep(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  /**
   * Each Fabric peer commits a block on its own schedule, and the commit status comes from the
   * submitter's peer only. The next request may be another organization's user reading through its
   * own peer, or endorsed there: waiting until every organization's peer has committed the
   * transaction (the same signed commit status request, asked of each) gives read-your-writes
   * across the consortium instead of stale reads and mismatched endorsements. A peer's commit
   * watcher (its filtered-block stream) answers without a request; when it cannot vouch for the
   * transaction, the same signed commit status request is asked of that peer. Resolves with the
   * peers that could not confirm the commit within the budget (best effort: never rejects for them).
   */
  async #committedOnOtherPeers(userId: string, submitted: Commit, submittedAt: number, name: string, budget: CommitBudget): Promise<Unconfirmed[]> {
    const peers = await this.connections.otherPeersFor(userId);
    if (peers.length === 0) return [];
    const txId = submitted.getTransactionId();
    const unconfirmed: Unconfirmed[] = [];
    await Promise.all(
      peers.map(async ({ mspId, gateway, watcher }) => {
        try {
          if (watcher && (await watcher.committed(txId, submittedAt, budget.watcherWaitMs())) !== undefined) return;
          await this.#commitStatus(gateway.newCommit(submitted.getBytes()), name, budget);
        } catch (err) {
          unconfirmed.push({ mspId, err });
        }
      }),
    );
    return unconfirmed;
  }

  /**
   * The commit status on the user's own peer: from that peer's commit watcher when it can vouch for
   * the transaction, else by fabric-gateway's signed CommitStatus request. The transaction reached
   * the orderer, so a status that cannot be learnt within the budget is COMMIT_UNKNOWN, never
   * "unavailable, try again".
   */
  async #ownCommitStatus(userId: string, submitted: Commit, submittedAt: number, name: string, budget: CommitBudget): Promise<Status> {
    const txId = submitted.getTransactionId();
    try {
      const watcher = await this.connections.ownPeerWatcherFor(userId);
      const committed = watcher && (await watcher.committed(txId, submittedAt, budget.watcherWaitMs()));
      if (!committed) return await this.#commitStatus(submitted, name, budget);
      return {
        blockNumber: committed.blockNumber,
        code: committed.code as Status['code'],
        successful: committed.code === StatusCode.VALID,
        transactionId: txId,
      };
    } catch {
      throw new CommitUnknownError(txId);
    }
  }

  /**
   * Waits for the commit status within the attempt's budget, asking again for the same
   * transaction when a request's deadline passes.
   */
  async #commitStatus(submitted: { getStatus(options?: CallOptions): Promise<Status> }, name: string, budget: CommitBudget): Promise<Status> {
    for (let poll = 0; ; poll++) {
      const deadlineMs = budget.requestDeadlineMs();
      if (deadlineMs <= 0) throw new Error('commit wait budget exhausted');
      try {
        return await submitted.getStatus({ deadline: Date.now() + deadlineMs });
      } catch (err) {
        const timedOut = err instanceof CommitStatusError && err.code === GrpcStatus.DEADLINE_EXCEEDED;
        if (!timedOut || poll >= this.retry.commitStatusPolls || budget.requestDeadlineMs() <= 0) throw err;
        this.observer?.commitStatusRepoll(name);
      }
    }
  }

  #observe(kind: 'evaluate' | 'submit', name: string, outcome: Outcome, started: bigint): void {
    this.observer?.transaction(kind, name, outcome, Number(process.hrtime.bigint() - started) / 1e9);
  }
}

function toProposalOptions(invocation: Invocation) {
  return {
    arguments: (invocation.args ?? []).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))),
    ...(invocation.transient ? { transientData: invocation.transient } : {}),
  };
}

const decoder = new TextDecoder();

function parseResult<T>(bytes: Uint8Array): T {
  const text = decoder.decode(bytes);
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as T;
  }
}
