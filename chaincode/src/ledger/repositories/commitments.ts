/**
 * Money reserved between clearing and settlement: one key per household, commitment~(householdId),
 * holding for each cleared, unsettled interval what its trades will cost the household at
 * settlement. Clearing adds an interval, settlement removes it (and the key once empty); funding at
 * clearing and withdrawals subtract what is outstanding.
 *
 * One key per household keeps every reader on a point read (clearing reads it for each buying
 * household). It adds no conflict between transactions that did not already share a key: whoever
 * writes a household's commitments (clearing, settlement) also reads or writes its balance.
 */
import { checkedAdd, compareStrings, type Trade } from '../../market';
import { keys } from '../keys';
import type { StateStore } from '../state';

export interface CommitmentRecord {
  householdId: string;
  /** Interval name → money units the household will pay at settlement for that interval's trades; positive. */
  intervals: Record<string, number>;
}

export class CommitmentRepository {
  /**
   * Records as read in this transaction. A transaction reads committed state only (never its own
   * writes), so a second read of a key returns the same value: clearing reads each buyer's record
   * once, for funding, and updates it from that.
   */
  readonly #read = new Map<string, Promise<CommitmentRecord | undefined>>();

  constructor(private readonly state: StateStore) {}

  async find(householdId: string): Promise<CommitmentRecord | undefined> {
    let found = this.#read.get(householdId);
    if (!found) {
      found = this.state.get<CommitmentRecord>(keys.commitment(this.state.stub, householdId));
      this.#read.set(householdId, found);
    }
    return found;
  }

  /** Sum of the household's commitments to cleared, unsettled intervals, other than `exceptInterval`. */
  async outstanding(householdId: string, exceptInterval?: string): Promise<number> {
    const record = await this.find(householdId);
    let total = 0;
    for (const [interval, amount] of Object.entries(record?.intervals ?? {})) {
      if (interval !== exceptInterval) total = checkedAdd(total, amount);
    }
    return total;
  }

  /**
   * At clearing: adds the interval's commitment (household ID → amount) to each household's record,
   * in household ID order; zero amounts are not stored.
   */
  async record(interval: string, amounts: ReadonlyMap<string, number>): Promise<void> {
    for (const householdId of [...amounts.keys()].sort(compareStrings)) {
      const amount = amounts.get(householdId) ?? 0;
      if (amount <= 0) continue;
      const current = await this.find(householdId);
      await this.#put({ householdId, intervals: { ...current?.intervals, [interval]: amount } });
    }
  }

  /** At settlement: removes the interval's commitment of every buyer of its trades. */
  async release(interval: string, trades: readonly Trade[]): Promise<void> {
    const buyers = [...new Set(trades.map((t) => t.buyerHouseholdId))].sort(compareStrings);
    for (const householdId of buyers) {
      const current = await this.find(householdId);
      if (!current || current.intervals[interval] === undefined) continue;
      const { [interval]: _released, ...rest } = current.intervals;
      if (Object.keys(rest).length === 0) await this.state.stub.deleteState(keys.commitment(this.state.stub, householdId));
      else await this.#put({ householdId, intervals: rest });
    }
  }

  async #put(record: CommitmentRecord): Promise<void> {
    await this.state.put(keys.commitment(this.state.stub, record.householdId), record);
  }
}
