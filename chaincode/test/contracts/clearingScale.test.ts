/**
 * Clearing 10,000 orders of one interval in one transaction: one range read for the orders, reads
 * per household only for sellers' export capacity and buyers' funding, and writes only for chunks of
 * outcomes and trades, the interval, and one commitment per buyer that traded.
 * Then every way of reading orders and trades sees the outcome, across chunk boundaries.
 */
import { compositeKey } from '../support/fakeLedger';
import { ok, standardWorld, T10 } from '../support/world';
import type { OrderRecord } from '../../src/ledger/model';

const ORDERS = 10_000;

test(`clears ${ORDERS} orders in one transaction with bounded shim round trips`, async () => {
  const w = await standardWorld();
  const households = ORDERS / 2;
  for (let i = 0; i < households; i += 1) {
    const householdId = `s-${i}`;
    w.ledger.seed(compositeKey('household', [householdId]), {
      householdId,
      displayName: householdId,
      retailer: 'RetailerMSP',
      creditLimit: 0,
      suspended: false,
      members: [],
      meters: [`sm-${i}`],
      meterTerms: { [`sm-${i}`]: { zone: 'Z1', exportCapacityW: 8000, importCapacityW: 12000, retired: false } },
      privateDetailsHash: null,
    });
    w.ledger.seed(compositeKey('balance', [`household:${householdId}`]), { account: `household:${householdId}`, balance: 1_000_000 });
  }
  for (let i = 0; i < ORDERS; i += 1) {
    const householdId = `s-${i % households}`;
    const side = i % 2 === 0 ? 'buy' : 'sell';
    const order: OrderRecord = {
      orderId: `o-${i.toString(16).padStart(32, '0')}`,
      householdId,
      side,
      interval: T10,
      energyWh: 100 + (i % 37) * 10,
      limitPrice: side === 'buy' ? 1500 + (i % 1500) : 800 + (i % 1700),
      meterId: `sm-${i % households}`,
      zone: i % 3 === 0 ? 'Z2' : 'Z1',
      status: 'OPEN',
      matchedWh: 0,
      idempotencyKey: `k-${i}`,
      placedBy: 'seed',
      txId: `tx-${i}`,
      txTime: `2026-11-21T09:${String(Math.floor(i / 200) % 60).padStart(2, '0')}:00.000000000Z`,
    };
    w.ledger.seed(compositeKey('order', [T10, order.orderId]), order);
    w.ledger.seed(compositeKey('order~id', [order.orderId]), { interval: T10 });
    w.ledger.seed(compositeKey('household~order', [householdId, T10, order.orderId]), { interval: T10 });
  }
  const started = process.hrtime.bigint();
  const result = await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]);
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const summary = ok<{ trades: number; tradedWh: number }>(result);
  expect(summary.trades).toBeGreaterThan(0);
  // Round trips: config + consortium + binding + interval, one range read (paged), the household of each
  // selling household (export capacity), 3 reads per buying household (household, balance, its
  // commitments), one write per chunk of 1,000 outcomes and of 1,000 trades, the interval record, and
  // one commitment per buying household that traded.
  const sellingHouseholds = households / 2;
  const buyingHouseholds = households / 2;
  const bound =
    10 + Math.ceil(ORDERS / 100) + sellingHouseholds + 3 * buyingHouseholds + Math.ceil(ORDERS / 1000) + Math.ceil(summary.trades / 1000) + 1 + buyingHouseholds;
  expect(w.ledger.lastRoundTrips).toBeLessThanOrEqual(bound);
  const written = [...w.ledger.lastAccess.writes].map((k) => k.split('\u0000')[1]);
  expect(written.filter((t) => t === 'fills')).toHaveLength(ORDERS / 1000);
  expect(written.filter((t) => t === 'trades')).toHaveLength(Math.ceil(summary.trades / 1000));
  expect(written.filter((t) => t === 'commitment').length).toBeGreaterThan(0);
  expect(written.filter((t) => t === 'commitment').length).toBeLessThanOrEqual(buyingHouseholds);
  expect(written.filter((t) => t !== 'fills' && t !== 'trades' && t !== 'commitment')).toEqual(['interval']);
  expect(elapsedMs).toBeLessThan(30_000);
  // A figure for the README: at ~75 µs per shim round trip on a peer.
  console.log(
    `clearing ${ORDERS} orders: ${summary.trades} trades, ${summary.tradedWh} Wh, ${w.ledger.lastRoundTrips} shim round trips ` +
      `(~${Math.round((w.ledger.lastRoundTrips * 75) / 1000)} ms at 75 µs each), ${Math.round(elapsedMs)} ms in-process`,
  );
  const interval = ok<{ status: string }>(await w.ledger.evaluate(w.ids.stranger, 'market:GetInterval', [T10]));
  expect(interval.status).toBe('CLEARED');

  // Every order has its outcome, consistent with the trades.
  type OrderView = { orderId: string; householdId: string; side: string; status: string; matchedWh: number; energyWh: number };
  const orders = ok<{ orders: OrderView[] }>(await w.ledger.evaluate(w.ids.utility, 'market:ListOrders', [JSON.stringify({ interval: T10 })])).orders;
  expect(orders).toHaveLength(ORDERS);
  const trades = ok<{ trades: { tradeId: string; buyOrderId: string; sellOrderId: string; energyWh: number }[] }>(
    await w.ledger.evaluate(w.ids.utility, 'market:ListTrades', [JSON.stringify({ interval: T10 })]),
  ).trades;
  expect(trades).toHaveLength(summary.trades);
  const tradeIds = trades.map((t) => t.tradeId);
  expect(tradeIds).toEqual([...tradeIds].sort());
  const tradedPerOrder = new Map<string, number>();
  for (const t of trades) {
    for (const id of [t.buyOrderId, t.sellOrderId]) tradedPerOrder.set(id, (tradedPerOrder.get(id) ?? 0) + t.energyWh);
  }
  for (const o of orders) {
    const traded = tradedPerOrder.get(o.orderId) ?? 0;
    expect({ orderId: o.orderId, matchedWh: o.matchedWh }).toEqual({ orderId: o.orderId, matchedWh: traded });
    expect(o.status).toBe(traded === 0 ? 'UNMATCHED' : traded === o.energyWh ? 'MATCHED' : 'PARTIALLY_MATCHED');
  }
  // Point reads land in the right chunk: first, last and either side of each chunk boundary.
  const byId = new Map(orders.map((o) => [o.orderId, o]));
  const sortedIds = orders.map((o) => o.orderId).sort();
  const samples = [0, 1, 998, 999, 1000, 1001, 4999, 5000, ORDERS - 1].map((i) => sortedIds[i]!);
  for (const id of samples) {
    expect(ok(await w.ledger.evaluate(w.ids.utility, 'market:GetOrder', [id]))).toEqual(byId.get(id));
  }
  const ofHousehold = ok<{ orders: OrderView[] }>(await w.ledger.evaluate(w.ids.utility, 'market:ListOrders', [JSON.stringify({ householdId: 's-7' })])).orders;
  expect(ofHousehold).toEqual(orders.filter((o) => o.householdId === 's-7'));
}, 120_000);
