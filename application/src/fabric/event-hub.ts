/** A chaincode event as the gateway streams it to clients. */
export interface LedgerEvent {
  /** Position on the ledger: block number and the event's index among that block's events. */
  block: bigint;
  index: number;
  type: string;
  txId: string;
  payload: Record<string, unknown>;
}

export interface Position {
  block: bigint;
  index: number;
}

export const compare = (a: Position, b: Position): number => (a.block === b.block ? a.index - b.index : a.block < b.block ? -1 : 1);
export const cursorOf = (p: Position): string => `${p.block}:${p.index}`;

/** Parses `<block>:<index>`; undefined for anything else. */
export function parseCursor(text: string): Position | undefined {
  const match = /^(\d{1,19}):(\d{1,9})$/.exec(text);
  if (!match?.[1] || !match[2]) return undefined;
  return { block: BigInt(match[1]), index: Number(match[2]) };
}

type Listener = (event: LedgerEvent) => void;

/**
 * In-process fan-out of ledger events with a bounded memory of recent ones. `floor` is the
 * earliest position from which the memory is complete; anything older must be replayed from
 * the ledger.
 */
export class EventHub {
  readonly #ring: LedgerEvent[] = [];
  readonly #listeners = new Set<Listener>();
  #floor: Position = { block: 0n, index: 0 };

  constructor(private readonly capacity = 10_000) {}

  get floor(): Position {
    return this.#floor;
  }

  /** Declares where the upstream stream starts (events before it are not in memory). */
  startAt(position: Position): void {
    this.#floor = position;
  }

  publish(event: LedgerEvent): void {
    this.#ring.push(event);
    if (this.#ring.length > this.capacity) {
      const dropped = this.#ring.shift()!;
      this.#floor = { block: dropped.block, index: dropped.index + 1 };
    }
    for (const listener of this.#listeners) listener(event);
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** True when every event after `position` that the hub has seen is still in memory. */
  covers(position: Position): boolean {
    return compare({ block: position.block, index: position.index + 1 }, this.#floor) >= 0;
  }

  /** Events in memory strictly after `position` (all of them when no position is given). */
  after(position?: Position): LedgerEvent[] {
    return position ? this.#ring.filter((e) => compare(e, position) > 0) : [...this.#ring];
  }

  get size(): number {
    return this.#ring.length;
  }
}
