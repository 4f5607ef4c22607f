/** The key design's promises, checked on the read and write sets the fake peer records. */
import { FakeLedger, type Access } from '../support/fakeLedger';
import { deposit, identities, ok, placeOrder, standardWorld, T10, T1015 } from '../support/world';

const typeOf = (key: string) => key.split('\u0000')[1];
const overlaps = (a: Iterable<string>, b: Set<string>) => [...a].filter((k) => b.has(k));
const inRange = (key: string, ranges: Access['ranges']) => ranges.some((r) => key >= r.start && key < r.end);

test('placing an order reads only the market config, the household, the interval and its own key; no range reads', async () => {
  const w = await standardWorld();
  ok(await placeOrder(w, w.ids.owner, { idempotencyKey: 'a', householdId: 'h-1', side: 'buy', energyWh: 100, limitPrice: 1000 }));
  const access = w.ledger.lastAccess;
  expect(access.ranges).toEqual([]);
  expect([...access.reads].map(typeOf).sort()).toEqual(['config', 'household', 'interval', 'order~id']);
  expect([...access.writes].map(typeOf).sort()).toEqual(['household~order', 'order', 'order~id']);
});

test('orders of different households share no written key and no key the other writes', async () => {
  const w = await standardWorld();
  ok(await placeOrder(w, w.ids.owner, { idempotencyKey: 'a', householdId: 'h-1', side: 'buy', energyWh: 100, limitPrice: 1000 }));
  const first = w.ledger.lastAccess;
  ok(await placeOrder(w, w.ids.otherOwner, { idempotencyKey: 'a', householdId: 'h-2', side: 'sell', energyWh: 100, limitPrice: 1000 }));
  const second = w.ledger.lastAccess;
  expect(overlaps(first.writes, second.writes)).toEqual([]);
  expect(overlaps(first.reads, second.writes)).toEqual([]);
  expect(overlaps(second.reads, first.writes)).toEqual([]);
});

test('an order for one interval does not conflict with clearing or settling another', async () => {
  const w = await standardWorld();
  ok(await deposit(w, 'h-1', 10_000));
  ok(await placeOrder(w, w.ids.owner, { idempotencyKey: 'a', householdId: 'h-1', side: 'buy', energyWh: 100, limitPrice: 2000 }));
  ok(await placeOrder(w, w.ids.otherOwner, { idempotencyKey: 'b', householdId: 'h-2', side: 'sell', energyWh: 100, limitPrice: 1000 }));
  ok(await placeOrder(w, w.ids.owner, { idempotencyKey: 'c', householdId: 'h-1', side: 'buy', energyWh: 100, limitPrice: 2000, interval: T1015 }));
  const order = w.ledger.lastAccess;
  ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
  const clearing = w.ledger.lastAccess;
  ok(await w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T10]));
  const settling = w.ledger.lastAccess;
  for (const other of [clearing, settling]) {
    // MVCC: neither side writes what the other read; phantoms: the order's writes fall in none of the other's ranges.
    expect(overlaps(order.reads, other.writes)).toEqual([]);
    expect(overlaps(other.reads, order.writes)).toEqual([]);
    expect([...order.writes].filter((k) => inRange(k, other.ranges))).toEqual([]);
  }
});

test('clearing rewrites no order: outcomes and trades go to a few chunk keys, plus the interval record and buyers\' commitments', async () => {
  const w = await standardWorld();
  ok(await deposit(w, 'h-1', 10_000));
  ok(await placeOrder(w, w.ids.owner, { idempotencyKey: 'a', householdId: 'h-1', side: 'buy', energyWh: 100, limitPrice: 2000 }));
  ok(await placeOrder(w, w.ids.otherOwner, { idempotencyKey: 'b', householdId: 'h-2', side: 'sell', energyWh: 100, limitPrice: 1000 }));
  ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
  expect([...w.ledger.lastAccess.writes].map(typeOf).sort()).toEqual(['commitment', 'fills', 'interval', 'trades']);
});

describe('the fake peer itself', () => {
  test('a transaction does not read its own writes; writes commit at the end; keys sort by UTF-8 bytes', async () => {
    const ids = await identities();
    const ledger = new FakeLedger();
    const tx = ledger.openTransaction(ids.utility);
    const key = tx.createCompositeKey('thing', ['a']);
    await tx.putState(key, Buffer.from('1'));
    expect((await tx.getState(key)).length).toBe(0);
    expect(ledger.state.has(key)).toBe(false);
    tx.commit();
    expect(ledger.state.get(key)?.toString()).toBe('1');
    const next = ledger.openTransaction(ids.utility);
    for (const name of ['\u{1F600}', '\u00e9', 'z', '\uff5e', 'A']) await next.putState(next.createCompositeKey('thing', [name]), Buffer.from('x'));
    next.commit();
    const seen: string[] = [];
    for await (const kv of ledger.openTransaction(ids.utility).getStateByPartialCompositeKey('thing', [])) {
      seen.push(ledger.openTransaction(ids.utility).splitCompositeKey(kv.key).attributes[0]!);
    }
    // UTF-16 order would put U+1F600 (a surrogate pair) before U+FF5E; Fabric orders by bytes.
    expect(seen).toEqual(['A', 'a', 'z', '\u00e9', '\uff5e', '\u{1F600}']);
  });

  test('failed transactions commit nothing', async () => {
    const ids = await identities();
    const ledger = new FakeLedger();
    const result = await ledger.submit(ids.utility, 'consortium:Init', ['{}']);
    expect(result.ok).toBe(false);
    expect(result.writes).toBe(0);
    expect(ledger.state.size).toBe(0);
  });
});
