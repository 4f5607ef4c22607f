#!/usr/bin/env node
/**
 * Clearing benchmark: times the pure clearing function on 1k, 10k and 100k orders of one interval for
 * each mechanism, with four zones and binding transfer limits. Run `npm run bench:clearing` (builds
 * dist/ first). Orders come from a fixed-seed generator, so every run clears the same books.
 */
'use strict';
const { clearInterval } = require('../dist/market');

const SIZES = [1_000, 10_000, 100_000];
const MECHANISMS = ['pay-as-clear', 'pay-as-bid', 'sdr'];
const ZONES = ['feeder-1', 'feeder-2', 'feeder-3', 'feeder-4'];

function params(mechanism) {
  return {
    mechanism,
    kBps: 5000,
    feedInTariff: 800,
    retailTariff: 3200,
    gridFeeLocal: 40,
    gridFeeCrossZone: 120,
    zones: ZONES.slice(0, 3).map((zone, i) => ({ zone, transferLimitWh: 200_000 * (i + 1) })),
  };
}

/** Park–Miller generator: deterministic orders without Math.random. */
function generator(seed) {
  let state = seed;
  return (n) => {
    state = (state * 48271) % 2147483647;
    return state % n;
  };
}

function orders(count) {
  const next = generator(42);
  const list = [];
  for (let i = 0; i < count; i++) {
    const side = next(2) === 0 ? 'buy' : 'sell';
    const household = `hh-${next(count)}`;
    list.push({
      orderId: `order-${String(i).padStart(7, '0')}`,
      householdId: household,
      side,
      energyWh: 100 + next(4900),
      limitPrice: 800 + next(2401),
      zone: ZONES[next(ZONES.length)],
      ...(side === 'sell' ? { meterId: `meter-${household}` } : {}),
      priority: `2026-11-21T10:${String(next(15)).padStart(2, '0')}:00.000Z|tx-${next(1e9)}`,
    });
  }
  return list;
}

const gc = typeof global.gc === 'function' ? global.gc : () => undefined;
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

const RUNS = 3;

/** One timed clearing after a full GC: wall time and heap grown while clearing. */
function measure(book, p) {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  const result = clearInterval('2026-11-21T10:15:00Z', book, p);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, heap: process.memoryUsage().heapUsed - heapBefore, result };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const rows = [];
for (const size of SIZES) {
  const book = orders(size);
  for (const mechanism of MECHANISMS) {
    const p = params(mechanism);
    clearInterval('warm-up', book.slice(0, 1000), p);
    const runs = Array.from({ length: RUNS }, () => measure(book, p));
    const { result } = runs[0];
    rows.push({
      orders: size,
      mechanism,
      'clear ms (median of 3)': median(runs.map((r) => r.ms)).toFixed(1),
      'heap growth MB': mb(median(runs.map((r) => r.heap))),
      trades: result.trades.length,
      'traded MWh': (result.tradedWh / 1e6).toFixed(1),
      'cross-zone MWh': (Object.values(result.zoneExportsWh).reduce((a, b) => a + b, 0) / 1e6).toFixed(2),
      price: result.clearingPrice,
    });
  }
}
console.log(`node ${process.version}${typeof global.gc === 'function' ? '' : ' (without --expose-gc: heap figures include garbage)'}`);
console.table(rows);
