/**
 * Clearing 10,000 orders of one interval in one transaction: one range read for the orders, point
 * reads only for buyers' funding, writes only for orders that change, trades and the interval.
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
  }
  const started = process.hrtime.bigint();
  const result = await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]);
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const summary = ok<{ trades: number; tradedWh: number }>(result);
  expect(summary.trades).toBeGreaterThan(0);
  // Round trips: config + consortium + binding + interval, one range read (paged), 2 reads per buying household,
  // one write per order, per trade, and the interval record.
  const bound = 10 + Math.ceil(ORDERS / 100) + 2 * households + ORDERS + summary.trades + 1;
  expect(w.ledger.lastRoundTrips).toBeLessThanOrEqual(bound);
  expect(elapsedMs).toBeLessThan(30_000);
  // A figure for the README: at ~75 µs per shim round trip on a peer.
  console.log(
    `clearing ${ORDERS} orders: ${summary.trades} trades, ${summary.tradedWh} Wh, ${w.ledger.lastRoundTrips} shim round trips ` +
      `(~${Math.round((w.ledger.lastRoundTrips * 75) / 1000)} ms at 75 µs each), ${Math.round(elapsedMs)} ms in-process`,
  );
  const interval = ok<{ status: string }>(await w.ledger.evaluate(w.ids.stranger, 'market:GetInterval', [T10]));
  expect(interval.status).toBe('CLEARED');
}, 120_000);
