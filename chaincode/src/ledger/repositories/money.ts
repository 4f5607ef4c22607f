/**
 * Balances (one key per account) and statement entries (one key per movement of a household's
 * balance, ordered by transaction time). Only settlement, deposits and withdrawals come here.
 */
import { checkedAdd } from '../../market';
import { accounts, keys, ranges } from '../keys';
import type { BalanceRecord, IdempotencyRecord, StatementEntry } from '../model';
import type { StateStore, TxInfo } from '../state';

/** A signed change of one account's balance. */
export interface Movement {
  account: string;
  amount: number;
  kind: string;
  interval?: string;
  tradeId?: string;
}

const HOUSEHOLD_PREFIX = accounts.household('');

export class MoneyRepository {
  constructor(private readonly state: StateStore) {}

  async balance(account: string): Promise<number> {
    return (await this.state.get<BalanceRecord>(keys.balance(this.state.stub, account)))?.balance ?? 0;
  }

  async householdBalance(householdId: string): Promise<number> {
    return this.balance(accounts.household(householdId));
  }

  /**
   * Applies movements in order: each account's balance key is read once and written once, and
   * every movement becomes a statement entry keyed (account, tx time, txId, index).
   */
  async apply(movements: readonly Movement[], tx: TxInfo): Promise<{ entries: StatementEntry[]; balances: Map<string, number> }> {
    const balances = new Map<string, number>();
    for (const m of movements) {
      if (!balances.has(m.account)) balances.set(m.account, await this.balance(m.account));
    }
    const entries: StatementEntry[] = [];
    movements.forEach((m, index) => {
      const after = checkedAdd(balances.get(m.account) ?? 0, m.amount);
      balances.set(m.account, after);
      entries.push({
        entryId: `${tx.txId}:${index}`,
        account: m.account,
        householdId: m.account.startsWith(HOUSEHOLD_PREFIX) ? m.account.slice(HOUSEHOLD_PREFIX.length) : undefined,
        txId: tx.txId,
        interval: m.interval,
        tradeId: m.tradeId,
        kind: m.kind,
        amount: m.amount,
        balanceAfter: after,
      });
    });
    for (const [account, balance] of balances) {
      await this.state.put(keys.balance(this.state.stub, account), { account, balance } satisfies BalanceRecord);
    }
    for (const [index, entry] of entries.entries()) {
      await this.state.put(keys.entry(this.state.stub, entry.account, tx.time, tx.txId, index), entry);
    }
    return { entries, balances };
  }

  /** A household's statement, oldest first (read-only callers: it grows with every interval). */
  async statement(householdId: string): Promise<StatementEntry[]> {
    const [type, attrs] = ranges.entriesOfAccount(accounts.household(householdId));
    return (await this.state.rangeAllPages<StatementEntry>(type, attrs)).map((e) => e.value);
  }

  /** Every statement entry of every account (read-only callers: the audit). */
  async allEntries(): Promise<StatementEntry[]> {
    const [type, attrs] = ranges.allEntries();
    return (await this.state.rangeAllPages<StatementEntry>(type, attrs)).map((e) => e.value);
  }

  /** Every stored balance (read-only callers: the audit). */
  async allBalances(): Promise<BalanceRecord[]> {
    const [type, attrs] = ranges.allBalances();
    return (await this.state.rangeAllPages<BalanceRecord>(type, attrs)).map((e) => e.value);
  }

  /** The first result recorded under an idempotency key of one calling identity (its digest). */
  async findIdempotent(identityDigest: string, idempotencyKey: string): Promise<IdempotencyRecord | undefined> {
    return this.state.get<IdempotencyRecord>(keys.idempotency(this.state.stub, identityDigest, idempotencyKey));
  }

  async putIdempotent(identityDigest: string, idempotencyKey: string, record: IdempotencyRecord): Promise<void> {
    await this.state.put(keys.idempotency(this.state.stub, identityDigest, idempotencyKey), record);
  }
}
