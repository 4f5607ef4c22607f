/**
 * Funding across intervals: what a cleared interval's trades will cost a household stays reserved
 * until the interval settles, so later clearings and withdrawals cannot spend it again.
 */
import { deposit, expectRefused, ok, placeOrder, signReading, standardWorld, T10, T1015, type World } from '../support/world';

const T1030 = '2026-11-21T10:30:00Z';
const typeOf = (key: string) => key.split('\u0000')[1];

// 1000 Wh at 3000 both ways: the trade price is 3000, and the buyer pays 3000 + local fee 100.
const sellAt = (interval: string) => ({ idempotencyKey: `s-${interval}`, householdId: 'h-2', side: 'sell', interval, energyWh: 1000, limitPrice: 3000 });
const buyAt = (interval: string, energyWh = 1000) => ({ idempotencyKey: `b-${interval}-${energyWh}`, householdId: 'h-1', side: 'buy', interval, energyWh, limitPrice: 3000 });
const TRADE_COST = 3100;
// Worst case of a 1000 Wh buy at 3000: 1000 × (3000 + cross-zone fee 300) / 1000.
const WORST_CASE = 3300;

function withdraw(w: World, amount: number, idempotencyKey = `wd-${amount}`) {
  return w.ledger.submit(w.ids.retailerAdmin, 'money:Withdraw', [JSON.stringify({ householdId: 'h-1', amount, idempotencyKey })]);
}

async function statusOf(w: World, orderId: string) {
  return ok<{ status: string; reason?: string }>(await w.ledger.evaluate(w.ids.owner, 'market:GetOrder', [orderId]));
}

async function balanceOf(w: World, householdId = 'h-1') {
  return ok<{ balance: number }>(await w.ledger.evaluate(w.ids.retailerAdmin, 'money:GetStatement', [householdId])).balance;
}

/** Readings that match the trades exactly, so settlement charges the trade cost and nothing else. */
async function submitMatchingReadings(w: World, interval: string) {
  const readings = [
    signReading(w.meters['m-1']!, { meterId: 'm-1', interval, importWh: 1000, exportWh: 0 }),
    signReading(w.meters['m-2']!, { meterId: 'm-2', interval, importWh: 0, exportWh: 1000 }),
  ];
  ok(await w.ledger.submit(w.ids.utility, 'meters:SubmitReadings', [], { transient: { readings } }));
}

/** h-1 (no credit) deposits 3300 and buys 1000 Wh at 3000 in 10:00 and in 10:15; 10:00 clears. */
async function firstIntervalCleared() {
  const w = await standardWorld();
  ok(await deposit(w, 'h-1', WORST_CASE));
  const orders: Record<string, string> = {};
  for (const interval of [T10, T1015]) {
    ok(await placeOrder(w, w.ids.otherOwner, sellAt(interval)));
    orders[interval] = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, buyAt(interval))).orderId;
  }
  ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
  expect(await statusOf(w, orders[T10]!)).toMatchObject({ status: 'MATCHED' });
  return { w, orders };
}

describe('commitments of cleared, unsettled intervals', () => {
  test('a later interval cannot spend what an earlier cleared interval will cost', async () => {
    const { w, orders } = await firstIntervalCleared();
    expect(ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T1015]))).toMatchObject({ trades: 0, unfundedOrders: 1 });
    expect(await statusOf(w, orders[T1015]!)).toMatchObject({ status: 'UNMATCHED', reason: 'UNFUNDED' });
  });

  test('a withdrawal may take only the balance not committed to unsettled trades', async () => {
    const { w } = await firstIntervalCleared();
    await expectRefused(w, withdraw(w, WORST_CASE), /^INSUFFICIENT_FUNDS: household h-1 has 200 available \(balance 3300, 3100 committed to unsettled intervals\), cannot withdraw 3300/);
    await expectRefused(w, withdraw(w, WORST_CASE - TRADE_COST + 1), /^INSUFFICIENT_FUNDS/);
    expect(ok(await withdraw(w, WORST_CASE - TRADE_COST))).toMatchObject({ balanceAfter: TRADE_COST });
  });

  test('statements and the household record show what is committed and what is available to withdraw', async () => {
    const w = await standardWorld();
    ok(await deposit(w, 'h-1', WORST_CASE));
    const funds = async () => {
      const statement = ok<{ balance: number; committed: number; available: number }>(await w.ledger.evaluate(w.ids.owner, 'money:GetStatement', ['h-1']));
      const household = ok<{ balance: number; committed: number; available: number }>(await w.ledger.evaluate(w.ids.retailerAdmin, 'households:GetHousehold', ['h-1']));
      expect({ balance: household.balance, committed: household.committed, available: household.available }).toEqual({
        balance: statement.balance,
        committed: statement.committed,
        available: statement.available,
      });
      return { balance: statement.balance, committed: statement.committed, available: statement.available };
    };
    expect(await funds()).toEqual({ balance: WORST_CASE, committed: 0, available: WORST_CASE });
    ok(await placeOrder(w, w.ids.otherOwner, sellAt(T10)));
    ok(await placeOrder(w, w.ids.owner, buyAt(T10)));
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
    expect(await funds()).toEqual({ balance: WORST_CASE, committed: TRADE_COST, available: WORST_CASE - TRADE_COST });
    // What `available` says is exactly what a withdrawal may take.
    await expectRefused(w, withdraw(w, WORST_CASE - TRADE_COST + 1), /^INSUFFICIENT_FUNDS/);
    await submitMatchingReadings(w, T10);
    ok(await w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T10]));
    expect(await funds()).toEqual({ balance: WORST_CASE - TRADE_COST, committed: 0, available: WORST_CASE - TRADE_COST });
  });

  test('the repro: the balance never goes below zero through trades and withdrawals', async () => {
    const { w } = await firstIntervalCleared();
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T1015]));
    expect((await withdraw(w, WORST_CASE)).ok).toBe(false);
    await submitMatchingReadings(w, T10);
    ok(await w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T10]));
    ok(await w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T1015]));
    expect(await balanceOf(w)).toBe(WORST_CASE - TRADE_COST);
  });

  test('settlement releases the interval commitment: the settled balance may be withdrawn', async () => {
    const { w } = await firstIntervalCleared();
    await submitMatchingReadings(w, T10);
    await expectRefused(w, withdraw(w, WORST_CASE - TRADE_COST + 1), /^INSUFFICIENT_FUNDS/);
    ok(await w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T10]));
    expect(await balanceOf(w)).toBe(WORST_CASE - TRADE_COST);
    expect(ok(await withdraw(w, WORST_CASE - TRADE_COST))).toMatchObject({ balanceAfter: 0 });
  });

  test('credit funds orders across intervals, after earlier commitments, but never a withdrawal', async () => {
    const w = await standardWorld();
    ok(await deposit(w, 'h-1', 1000));
    ok(await w.ledger.submit(w.ids.retailerAdmin, 'households:SetCreditLimit', ['h-1', '5000']));
    const ids: Record<string, string> = {};
    for (const interval of [T10, T1015, T1030]) ok(await placeOrder(w, w.ids.otherOwner, sellAt(interval)));
    ids.first = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, buyAt(T10))).orderId;
    ids.tooBig = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, buyAt(T1015))).orderId;
    // 800 Wh: worst case 2640 ≤ 1000 + 5000 − 3100 = 2900.
    ids.fits = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, buyAt(T1030, 800))).orderId;
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T1015]));
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T1030]));
    expect(await statusOf(w, ids.first)).toMatchObject({ status: 'MATCHED' });
    expect(await statusOf(w, ids.tooBig)).toMatchObject({ status: 'UNMATCHED', reason: 'UNFUNDED' });
    expect(await statusOf(w, ids.fits)).toMatchObject({ status: 'MATCHED' });
    await expectRefused(w, withdraw(w, 1), /^INSUFFICIENT_FUNDS/);
  });

  test('clearing records the commitment under the buyer\'s key; settlement removes it', async () => {
    const { w } = await firstIntervalCleared();
    const key = '\u0000commitment\u0000h-1\u0000';
    const stored = () => w.ledger.state.get(key) && JSON.parse(w.ledger.state.get(key)!.toString());
    expect([...w.ledger.state.keys()].filter((k) => typeOf(k) === 'commitment')).toEqual([key]);
    expect(stored()).toEqual({ householdId: 'h-1', intervals: { [T10]: TRADE_COST } });
    // 10:15 funds nothing more (unfunded), so it commits nothing; 10:30 is funded by a new deposit.
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T1015]));
    ok(await deposit(w, 'h-1', 10_000, 'more'));
    ok(await placeOrder(w, w.ids.otherOwner, sellAt(T1030)));
    ok(await placeOrder(w, w.ids.owner, buyAt(T1030)));
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T1030]));
    expect(stored()).toEqual({ householdId: 'h-1', intervals: { [T10]: TRADE_COST, [T1030]: TRADE_COST } });
    ok(await w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T10]));
    expect(stored()).toEqual({ householdId: 'h-1', intervals: { [T1030]: TRADE_COST } });
    ok(await w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T1015]));
    ok(await w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T1030]));
    expect(stored()).toBeUndefined();
  });

  test('two clearings that fund the same buyer conflict: the later read the key the earlier wrote', async () => {
    const w = await standardWorld();
    ok(await deposit(w, 'h-1', 10_000));
    for (const interval of [T10, T1015]) {
      ok(await placeOrder(w, w.ids.otherOwner, sellAt(interval)));
      ok(await placeOrder(w, w.ids.owner, buyAt(interval)));
    }
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
    const first = w.ledger.lastAccess;
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T1015]));
    const second = w.ledger.lastAccess;
    const key = '\u0000commitment\u0000h-1\u0000';
    expect(first.writes.has(key)).toBe(true);
    expect(second.reads.has(key)).toBe(true);
  });

  test('deposits read no commitment; a withdrawal reads its household\'s key only, with no range read', async () => {
    const { w } = await firstIntervalCleared();
    ok(await deposit(w, 'h-1', 10, 'more'));
    expect([...w.ledger.lastAccess.reads].filter((k) => typeOf(k) === 'commitment')).toEqual([]);
    ok(await withdraw(w, 10));
    expect(w.ledger.lastAccess.ranges).toEqual([]);
    expect([...w.ledger.lastAccess.reads].filter((k) => typeOf(k) === 'commitment')).toEqual(['\u0000commitment\u0000h-1\u0000']);
  });
});
