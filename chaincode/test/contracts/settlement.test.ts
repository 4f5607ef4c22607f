/** Who settlement settles, when it may run, and readings that arrive after it. */
import { IntervalRepository } from '../../src/ledger/repositories/intervals';
import { compositeKey } from '../support/fakeLedger';
import { deposit, expectRefused, ok, placeOrder, seconds, signReading, standardWorld, T10, T1015, type World } from '../support/world';

// standardWorld's market: feed-in 800, retail 3000 per kWh; h-1 and h-2 with RetailerMSP, h-3 with Retailer2MSP.
const sell = { idempotencyKey: 's-1', householdId: 'h-2', side: 'sell', energyWh: 1000, limitPrice: 1000 };
const buy = { idempotencyKey: 'b-1', householdId: 'h-1', side: 'buy', energyWh: 1000, limitPrice: 2000 };

type Statement = { balance: number; entries: { kind: string; amount: number; interval?: string }[] };

function reading(w: World, meterId: string, importWh: number, exportWh: number, interval = T10) {
  return signReading(w.meters[meterId]!, { meterId, interval, importWh, exportWh });
}

const submitReadings = (w: World, readings: unknown[]) => w.ledger.submit(w.ids.utility, 'meters:SubmitReadings', [], { transient: { readings } });
const settle = (w: World, interval = T10) => w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [interval]);
const statement = async (w: World, householdId: string) => ok<Statement>(await w.ledger.evaluate(w.ids.utility, 'money:GetStatement', [householdId]));

async function totalMoney(w: World): Promise<number> {
  const accounts = ['household:h-1', 'household:h-2', 'household:h-3', 'utility', 'retailer:RetailerMSP', 'retailer:Retailer2MSP'];
  let total = 0;
  for (const account of accounts) total += ok<{ balance: number }>(await w.ledger.evaluate(w.ids.utility, 'money:GetAccountBalance', [account])).balance;
  return total;
}

describe('households settled', () => {
  test('order holders without a trade settle their metered energy with the grid; households without orders stay out', async () => {
    const w = await standardWorld();
    // Worst case of the buy is 1000 Wh at 2000 + cross-zone fee 300 = 2300: h-1 cannot fund it,
    // so nothing trades and h-2's offer goes unmatched.
    ok(await deposit(w, 'h-1', 2299));
    ok(await placeOrder(w, w.ids.otherOwner, sell));
    ok(await placeOrder(w, w.ids.owner, buy));
    expect(ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]))).toMatchObject({ trades: 0, unfundedOrders: 1 });
    ok(await submitReadings(w, [reading(w, 'm-1', 500, 0), reading(w, 'm-2', 0, 1000), reading(w, 'm-3', 700, 0)]));

    const settled = ok(await settle(w));
    expect(settled).toEqual({ interval: T10, status: 'SETTLED', households: 2, missingReadings: [], moneyMoved: 2300, certificates: 0 });
    const event = w.ledger.committedEvents.find((e) => e.name === 'IntervalSettled');
    expect(event?.payload).toMatchObject({ householdIds: ['h-1', 'h-2'], moneyMoved: 2300 });

    // The unfunded buyer imported 500 Wh from the grid at retail: 500 × 3000 / 1000.
    expect((await statement(w, 'h-1')).entries).toEqual([
      expect.objectContaining({ kind: 'deposit', amount: 2299 }),
      expect.objectContaining({ kind: 'grid-import', amount: -1500, interval: T10 }),
    ]);
    // The unmatched seller exported 1000 Wh to the grid at feed-in: 1000 × 800 / 1000.
    expect((await statement(w, 'h-2')).entries).toEqual([expect.objectContaining({ kind: 'grid-export', amount: 800, interval: T10 })]);
    // h-3 placed no order: its retailer bills its 700 Wh outside the market.
    expect(await statement(w, 'h-3')).toEqual({ householdId: 'h-3', balance: 0, committed: 0, available: 0, entries: [] });
    expect(ok<{ balance: number }>(await w.ledger.evaluate(w.ids.utility, 'money:GetAccountBalance', ['retailer:RetailerMSP'])).balance).toBe(700);
    expect(await totalMoney(w)).toBe(2299);
    expect(ok(await w.ledger.evaluate(w.ids.auditor, 'audit:Conservation', ['', '']))).toMatchObject({ ok: true, moneyImbalance: 0 });
  });

  test('a household whose only order was cancelled is settled, a missing reading flagged as zero', async () => {
    const w = await standardWorld();
    const order = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, buy));
    ok(await w.ledger.submit(w.ids.owner, 'market:CancelOrder', [order.orderId]));
    ok(await placeOrder(w, w.ids.otherOwner, sell));
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
    ok(await submitReadings(w, [reading(w, 'm-1', 200, 0)]));

    expect(ok(await settle(w))).toMatchObject({ households: 2, missingReadings: ['m-2'], moneyMoved: 600 });
    expect((await statement(w, 'h-1')).entries).toEqual([expect.objectContaining({ kind: 'grid-import', amount: -600 })]);
    // No reading counts as zero export: an unmatched seller without a reading has nothing to settle.
    expect((await statement(w, 'h-2')).entries).toEqual([]);
    expect(await totalMoney(w)).toBe(0);
  });

  test('traders and order holders of one interval settle together, in household order', async () => {
    const w = await standardWorld();
    ok(await deposit(w, 'h-1', 100_000));
    ok(await placeOrder(w, w.ids.otherOwner, sell));
    ok(await placeOrder(w, w.ids.owner, buy));
    // A second buy of h-1 above what h-2 offers stays unmatched; h-1 is still settled once.
    ok(await placeOrder(w, w.ids.owner, { ...buy, idempotencyKey: 'b-2', limitPrice: 900 }));
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
    ok(await submitReadings(w, [reading(w, 'm-1', 1000, 0), reading(w, 'm-2', 0, 1000)]));
    expect(ok(await settle(w))).toMatchObject({ households: 2, missingReadings: [], certificates: 1 });
    expect(w.ledger.committedEvents.find((e) => e.name === 'IntervalSettled')?.payload).toMatchObject({ householdIds: ['h-1', 'h-2'] });
    expect(await totalMoney(w)).toBe(100_000);
  });
});

describe('settlement on the wall clock', () => {
  test('an interval is not settled before its end, by the transaction timestamp', async () => {
    const w = await standardWorld({ clock: 'wall' });
    w.ledger.clock = seconds('2026-11-21T09:59:00Z');
    ok(await deposit(w, 'h-1', 100_000));
    ok(await placeOrder(w, w.ids.otherOwner, sell));
    ok(await placeOrder(w, w.ids.owner, buy));
    w.ledger.clock = seconds('2026-11-21T10:00:00Z');
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));

    w.ledger.clock = seconds('2026-11-21T10:14:59Z');
    await expectRefused(w, settle(w), /^MARKET_RULE: interval 2026-11-21T10:00:00Z has not ended yet; it settles once its readings are in/);
    // The transaction timestamp decides, not the ledger's notion of now.
    await expectRefused(w, w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T10], { at: seconds('2026-11-21T10:05:00Z') }), /^MARKET_RULE/);

    w.ledger.clock = seconds(T1015);
    ok(await submitReadings(w, [reading(w, 'm-1', 1000, 0), reading(w, 'm-2', 0, 1000)]));
    expect(ok(await settle(w))).toMatchObject({ status: 'SETTLED', households: 2, missingReadings: [] });
  });

  test('the operator clock leaves settlement time to the operator', async () => {
    const w = await standardWorld();
    w.ledger.clock = seconds('2026-11-21T09:00:00Z');
    ok(await placeOrder(w, w.ids.owner, buy));
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
    expect(ok(await settle(w))).toMatchObject({ status: 'SETTLED', households: 1, missingReadings: ['m-1'] });
  });
});

describe('readings of a settled interval', () => {
  async function settledWorld(): Promise<World> {
    const w = await standardWorld();
    ok(await placeOrder(w, w.ids.owner, buy));
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
    ok(await settle(w));
    return w;
  }

  test('are refused with CONFLICT, the whole batch with them', async () => {
    const w = await settledWorld();
    await expectRefused(w, submitReadings(w, [reading(w, 'm-1', 100, 0)]), /^CONFLICT: readings\[0\] \(meter m-1, interval 2026-11-21T10:00:00Z\): interval 2026-11-21T10:00:00Z is already settled$/);
    // A meter of a household that was not settled is refused too: the interval is closed for good.
    await expectRefused(w, submitReadings(w, [reading(w, 'm-3', 100, 0, T1015), reading(w, 'm-3', 100, 0)]), /^CONFLICT: readings\[1\] \(meter m-3/);
  });

  test('readings of other intervals are accepted, reading each interval record once', async () => {
    const w = await settledWorld();
    const batch = [reading(w, 'm-1', 100, 0, T1015), reading(w, 'm-2', 0, 100, T1015), reading(w, 'm-3', 5, 5, T1015)];
    const intervalReads = jest.spyOn(IntervalRepository.prototype, 'get');
    try {
      expect(ok(await submitReadings(w, batch))).toEqual({ accepted: 3 });
      expect(intervalReads.mock.calls).toEqual([[T1015]]);
    } finally {
      intervalReads.mockRestore();
    }
    expect(w.ledger.lastAccess.reads).toContain(compositeKey('interval', [T1015]));
    expect(ok(await w.ledger.evaluate(w.ids.owner, 'meters:GetReadings', ['m-1', '', '']))).toEqual({
      readings: [{ meterId: 'm-1', interval: T1015, importWh: 100, exportWh: 0 }],
    });
  });

  test('readings of a cleared interval not yet settled are still accepted and applied', async () => {
    const w = await standardWorld();
    ok(await placeOrder(w, w.ids.owner, buy));
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
    ok(await submitReadings(w, [reading(w, 'm-1', 100, 0)]));
    expect(ok(await settle(w))).toMatchObject({ missingReadings: [], moneyMoved: 300 });
  });
});
