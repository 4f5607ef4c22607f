/**
 * Suspending a household stops its trading, including orders it placed before the suspension:
 * clearing leaves them out (UNMATCHED, reason HOUSEHOLD_SUSPENDED) without reading any household
 * more than once.
 */
import { FakeStub } from '../support/fakeLedger';
import { deposit, ok, placeOrder, standardWorld, T10, type World } from '../support/world';

const typeOf = (key: string) => key.split('\u0000')[1];
const SUSPENDED = { status: 'UNMATCHED', matchedWh: 0, reason: 'HOUSEHOLD_SUSPENDED' };

/** h-1 (funded) buys 1000 Wh at 3000 from h-2 selling 1000 Wh at 1000: they would trade. */
async function book(w: World) {
  ok(await deposit(w, 'h-1', 1_000_000));
  const buy = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, { idempotencyKey: 'b', householdId: 'h-1', side: 'buy', energyWh: 1000, limitPrice: 3000 }));
  const sell = ok<{ orderId: string }>(await placeOrder(w, w.ids.otherOwner, { idempotencyKey: 's', householdId: 'h-2', side: 'sell', energyWh: 1000, limitPrice: 1000 }));
  return { buy: buy.orderId, sell: sell.orderId };
}

const suspend = async (w: World, householdId: string, value = 'true') => ok(await w.ledger.submit(w.ids.utility, 'households:SetSuspended', [householdId, value]));
const clear = async (w: World) =>
  ok<{ trades: number; tradedWh: number; unfundedOrders: number; overCapacityOrders: number; suspendedOrders: number }>(
    await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]),
  );

async function outcomeOf(w: World, orderId: string) {
  const { status, matchedWh, reason } = ok<{ status: string; matchedWh: number; reason?: string }>(await w.ledger.evaluate(w.ids.utility, 'market:GetOrder', [orderId]));
  return reason === undefined ? { status, matchedWh } : { status, matchedWh, reason };
}

test('a seller suspended after placing its order does not trade', async () => {
  const w = await standardWorld();
  const { buy, sell } = await book(w);
  await suspend(w, 'h-2');
  expect(await clear(w)).toMatchObject({ trades: 0, tradedWh: 0, suspendedOrders: 1, unfundedOrders: 0, overCapacityOrders: 0 });
  expect(await outcomeOf(w, sell)).toEqual(SUSPENDED);
  expect(await outcomeOf(w, buy)).toEqual({ status: 'UNMATCHED', matchedWh: 0 });
  // Nothing traded, so nothing is committed of the buyer's balance.
  expect([...w.ledger.state.keys()].filter((k) => typeOf(k) === 'commitment')).toEqual([]);
});

test('a suspended buyer is left out before funding: suspension is the reason, not missing funds', async () => {
  const w = await standardWorld();
  const sell = ok<{ orderId: string }>(await placeOrder(w, w.ids.otherOwner, { idempotencyKey: 's', householdId: 'h-2', side: 'sell', energyWh: 1000, limitPrice: 1000 }));
  // h-1 has no balance and no credit: unsuspended, this order would be UNFUNDED.
  const buy = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, { idempotencyKey: 'b', householdId: 'h-1', side: 'buy', energyWh: 1000, limitPrice: 3000 }));
  const second = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, { idempotencyKey: 'b2', householdId: 'h-1', side: 'sell', energyWh: 500, limitPrice: 900 }));
  await suspend(w, 'h-1');
  expect(await clear(w)).toMatchObject({ trades: 0, suspendedOrders: 2, unfundedOrders: 0 });
  expect(await outcomeOf(w, buy.orderId)).toEqual(SUSPENDED);
  expect(await outcomeOf(w, second.orderId)).toEqual(SUSPENDED);
  expect(await outcomeOf(w, sell.orderId)).toEqual({ status: 'UNMATCHED', matchedWh: 0 });
  const listed = ok<{ orders: { reason?: string }[] }>(await w.ledger.evaluate(w.ids.owner, 'market:ListOrders', [JSON.stringify({ householdId: 'h-1' })]));
  expect(listed.orders.map((o) => o.reason)).toEqual(['HOUSEHOLD_SUSPENDED', 'HOUSEHOLD_SUSPENDED']);
});

test('a suspension lifted before clearing leaves the orders in the market', async () => {
  const w = await standardWorld();
  const { buy, sell } = await book(w);
  await suspend(w, 'h-2');
  await suspend(w, 'h-2', 'false');
  expect(await clear(w)).toMatchObject({ trades: 1, tradedWh: 1000, suspendedOrders: 0 });
  expect(await outcomeOf(w, buy)).toEqual({ status: 'MATCHED', matchedWh: 1000 });
  expect(await outcomeOf(w, sell)).toEqual({ status: 'MATCHED', matchedWh: 1000 });
});

test('clearing reads each household once, suspended or not', async () => {
  const w = await standardWorld();
  await book(w);
  ok(await placeOrder(w, w.ids.owner, { idempotencyKey: 'b-more', householdId: 'h-1', side: 'buy', energyWh: 500, limitPrice: 2000 }));
  ok(await placeOrder(w, w.ids.otherOwner, { idempotencyKey: 's-more', householdId: 'h-2', side: 'sell', energyWh: 500, limitPrice: 900 }));
  await suspend(w, 'h-2');
  const reads = jest.spyOn(FakeStub.prototype, 'getState');
  try {
    expect(await clear(w)).toMatchObject({ suspendedOrders: 2 });
    const households = reads.mock.calls.map(([key]) => key).filter((key) => typeOf(key) === 'household');
    expect(households.sort()).toEqual(['\u0000household\u0000h-1\u0000', '\u0000household\u0000h-2\u0000']);
  } finally {
    reads.mockRestore();
  }
});
