/**
 * A meter's sell orders together may not exceed what it can export in the interval. PlaceOrder
 * checks each order alone (it reads nothing else); clearing admits a meter's sell orders in time
 * priority while they fit and leaves the rest UNMATCHED with reason EXCEEDS_EXPORT_CAPACITY.
 */
import { compositeKey } from '../support/fakeLedger';
import { deposit, meterKey, ok, placeOrder, standardWorld, T10, type World } from '../support/world';

// Meters export 8000 W: 2000 Wh in a 15-minute interval. They import 12000 W: 3000 Wh.
const sell = (n: number, energyWh: number, meterId?: string) => ({
  idempotencyKey: `s-${n}`,
  householdId: 'h-1',
  side: 'sell',
  energyWh,
  limitPrice: 1000,
  ...(meterId ? { meterId } : {}),
});
const bigBuy = { idempotencyKey: 'b-1', householdId: 'h-2', side: 'buy', energyWh: 3000, limitPrice: 3000 };

async function placeSells(w: World, sizes: readonly (readonly [number, string?])[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [n, [energyWh, meterId]] of sizes.entries()) {
    w.ledger.clock += 1;
    ids.push(ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, sell(n, energyWh, meterId))).orderId);
  }
  return ids;
}

async function clear(w: World) {
  ok(await deposit(w, 'h-2', 1_000_000));
  ok(await placeOrder(w, w.ids.otherOwner, bigBuy));
  return ok<{ trades: number; tradedWh: number; unfundedOrders: number; overCapacityOrders: number }>(
    await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]),
  );
}

async function outcomes(w: World, ids: readonly string[]) {
  const out: { status: string; matchedWh: number; reason?: string }[] = [];
  for (const id of ids) {
    const { status, matchedWh, reason } = ok<{ status: string; matchedWh: number; reason?: string }>(await w.ledger.evaluate(w.ids.owner, 'market:GetOrder', [id]));
    out.push(reason === undefined ? { status, matchedWh } : { status, matchedWh, reason });
  }
  return out;
}

const EXCLUDED = { status: 'UNMATCHED', matchedWh: 0, reason: 'EXCEEDS_EXPORT_CAPACITY' };

test('five full-capacity sells on one meter: only the first takes part', async () => {
  const w = await standardWorld();
  const ids = await placeSells(w, [[2000], [2000], [2000], [2000], [2000]]);
  expect(await clear(w)).toMatchObject({ tradedWh: 2000, overCapacityOrders: 4, unfundedOrders: 0 });
  expect(await outcomes(w, ids)).toEqual([{ status: 'MATCHED', matchedWh: 2000 }, EXCLUDED, EXCLUDED, EXCLUDED, EXCLUDED]);
  const interval = ok<{ sellWh: number }>(await w.ledger.evaluate(w.ids.stranger, 'market:GetInterval', [T10]));
  expect(interval.sellWh).toBe(2000);
});

test('orders are admitted in time priority while they fit; a later smaller one may still fit', async () => {
  const w = await standardWorld();
  const ids = await placeSells(w, [[1500], [1000], [500]]);
  expect(await clear(w)).toMatchObject({ tradedWh: 2000, overCapacityOrders: 1 });
  expect(await outcomes(w, ids)).toEqual([{ status: 'MATCHED', matchedWh: 1500 }, EXCLUDED, { status: 'MATCHED', matchedWh: 500 }]);
});

test('a cancelled order does not use capacity', async () => {
  const w = await standardWorld();
  const [first, second] = await placeSells(w, [[2000], [2000]]);
  ok(await w.ledger.submit(w.ids.owner, 'market:CancelOrder', [first!]));
  expect(await clear(w)).toMatchObject({ tradedWh: 2000, overCapacityOrders: 0 });
  expect(await outcomes(w, [second!])).toEqual([{ status: 'MATCHED', matchedWh: 2000 }]);
});

test('capacity is per meter: two meters of one household export 2000 Wh each', async () => {
  const w = await standardWorld();
  const key = meterKey();
  ok(
    await w.ledger.submit(w.ids.utility, 'meters:RegisterMeter', [
      JSON.stringify({ meterId: 'm-1b', householdId: 'h-1', zone: 'Z1', exportCapacityW: 4000, importCapacityW: 4000, publicKeyPem: key.publicKeyPem }),
    ]),
  );
  // m-1b exports 4000 W: 1000 Wh per interval.
  const ids = await placeSells(w, [[1000, 'm-1'], [1000, 'm-1b'], [1000, 'm-1'], [1000, 'm-1b']]);
  expect(await clear(w)).toMatchObject({ tradedWh: 3000, overCapacityOrders: 1 });
  expect(await outcomes(w, ids)).toEqual([
    { status: 'MATCHED', matchedWh: 1000 },
    { status: 'MATCHED', matchedWh: 1000 },
    { status: 'MATCHED', matchedWh: 1000 },
    EXCLUDED,
  ]);
});

test('a household stored before meterTerms existed: the capacity comes from the meter record', async () => {
  const w = await standardWorld();
  const key = compositeKey('household', ['h-1']);
  const { meterTerms: _dropped, ...legacy } = JSON.parse(w.ledger.state.get(key)!.toString()) as Record<string, unknown>;
  w.ledger.seed(key, legacy);
  const ids = await placeSells(w, [[2000], [1]]);
  expect(await clear(w)).toMatchObject({ tradedWh: 2000, overCapacityOrders: 1 });
  expect(await outcomes(w, ids)).toEqual([{ status: 'MATCHED', matchedWh: 2000 }, EXCLUDED]);
});
