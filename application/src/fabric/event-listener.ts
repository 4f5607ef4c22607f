import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { checkpointers, type ChaincodeEvent, type Checkpointer, type CloseableAsyncIterable } from '@hyperledger/fabric-gateway';
import type { FastifyBaseLogger } from 'fastify';
import type { FabricConnections } from './connections';
import { compare, type EventHub, type LedgerEvent, type Position } from './event-hub';

const decoder = new TextDecoder();

function toLedgerEvent(event: ChaincodeEvent, index: number): LedgerEvent {
  let payload: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(decoder.decode(event.payload));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) payload = parsed as Record<string, unknown>;
  } catch {
    // A payload that is not a JSON object carries no domain IDs; the event still counts.
  }
  return { block: event.blockNumber, index, type: event.eventName, txId: event.transactionId, payload };
}

/**
 * Reads chaincode events from `startBlock` on, numbering each within its block, so that the same
 * event gets the same position in every stream.
 */
export async function* readEvents(
  connections: FabricConnections,
  userId: string,
  startBlock: bigint,
  onOpen?: (stream: CloseableAsyncIterable<ChaincodeEvent>) => void,
): AsyncGenerator<LedgerEvent> {
  const gateway = await connections.gatewayFor(userId);
  const network = gateway.getNetwork(connections.profile.channel);
  const stream = await network.getChaincodeEvents(connections.profile.chaincode, { startBlock });
  onOpen?.(stream);
  try {
    let block = -1n;
    let index = 0;
    for await (const event of stream) {
      if (event.blockNumber !== block) {
        block = event.blockNumber;
        index = 0;
      } else {
        index++;
      }
      yield toLedgerEvent(event, index);
    }
  } finally {
    stream.close();
  }
}

/** Replays ledger events after `from` and before `until` (exclusive), for clients resuming from far back. */
export async function* replayEvents(
  connections: FabricConnections,
  userId: string,
  from: Position,
  until: Position,
  onOpen?: (stream: CloseableAsyncIterable<ChaincodeEvent>) => void,
): AsyncGenerator<LedgerEvent> {
  for await (const event of readEvents(connections, userId, from.block, onOpen)) {
    if (compare(event, until) >= 0) return;
    if (compare(event, from) > 0) yield event;
  }
}

/**
 * How often the file checkpoint is written while events flow. Writing it for every event was a
 * file write per transaction; after a crash, at most this much is read again on restart (the
 * positions are the same, so clients resuming by cursor see no duplicates).
 */
const CHECKPOINT_EVERY_MS = 500;

/**
 * Follows the chaincode's events into the hub: resumes after the file checkpoint, checkpoints
 * events only after the hub has them, and reconnects with backoff when the stream breaks.
 */
export class ChaincodeEventListener {
  #stream: CloseableAsyncIterable<ChaincodeEvent> | undefined;
  #checkpointer: Checkpointer | undefined;
  /** The last event published and not yet written to the checkpoint file. */
  #unsaved: LedgerEvent | undefined;
  #saveTimer: NodeJS.Timeout | undefined;
  #saving: Promise<void> = Promise.resolve();
  #closed = false;
  #loop: Promise<void> | undefined;
  /** Set once the hub's floor is final (after any events skipped up to the checkpoint). */
  #floorSet = false;

  constructor(
    private readonly connections: FabricConnections,
    private readonly userId: string,
    private readonly hub: EventHub,
    private readonly checkpointFile: string,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    await mkdir(path.dirname(this.checkpointFile), { recursive: true });
    const checkpointer = await checkpointers.file(this.checkpointFile);
    this.#checkpointer = checkpointer;
    let opened!: () => void;
    const firstOpen = new Promise<void>((resolve) => (opened = resolve));
    this.#loop = this.#run(checkpointer, opened);
    // Do not serve before the stream is open, so no event committed after start-up is missed.
    await Promise.race([firstOpen, this.#loop]);
  }

  async #run(checkpointer: Checkpointer, opened: () => void): Promise<void> {
    let failures = 0;
    let first = true;
    while (!this.#closed) {
      await this.#saveCheckpoint();
      const startBlock = checkpointer.getBlockNumber() ?? 0n;
      const lastTx = checkpointer.getTransactionId();
      let skipping = lastTx !== undefined;
      try {
        for await (const event of readEvents(this.connections, this.userId, startBlock, (stream) => {
          this.#stream = stream;
          if (first) {
            first = false;
            this.hub.startAt({ block: startBlock, index: 0 });
            opened();
          }
        })) {
          failures = 0;
          if (skipping && event.block === startBlock) {
            // Already delivered before the checkpoint; only the position numbering needs them.
            if (event.txId === lastTx) {
              skipping = false;
              if (!this.#floorSet) this.hub.startAt({ block: startBlock, index: event.index + 1 });
            }
            continue;
          }
          skipping = false;
          this.#floorSet = true;
          this.hub.publish(event);
          this.#checkpointSoon(event);
        }
      } catch (err) {
        if (this.#closed) break;
        failures++;
        this.log.warn({ err, failures }, 'chaincode event stream failed; reconnecting');
        if (first) {
          // Let start() proceed even when the ledger is down at start-up; the loop keeps trying.
          first = false;
          opened();
        }
      }
      if (!this.#closed) await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** Math.min(failures, 6))));
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stream?.close();
    await this.#loop?.catch(() => undefined);
    await this.#saveCheckpoint();
  }

  #checkpointSoon(event: LedgerEvent): void {
    this.#unsaved = event;
    this.#saveTimer ??= setTimeout(() => void this.#saveCheckpoint().catch((err: unknown) => this.log.warn({ err }, 'event checkpoint not saved')), CHECKPOINT_EVERY_MS);
  }

  /** Writes the last published event's position (one write at a time, in order). */
  #saveCheckpoint(): Promise<void> {
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    const event = this.#unsaved;
    this.#unsaved = undefined;
    const checkpointer = this.#checkpointer;
    if (event && checkpointer) this.#saving = this.#saving.catch(() => undefined).then(() => checkpointer.checkpointTransaction(event.block, event.txId));
    return this.#saving;
  }
}
