import type { AddressInfo } from 'node:net';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { expectStatus, newKey, onboard, operatorMarket, UTILITY } from './helpers/world';

interface SseEvent {
  id: string;
  event: string;
  data: { type: string; txId: string; blockNumber: number; payload: Record<string, unknown> };
}

/** A minimal SSE client over fetch: collects events, waits for the ones a test expects. */
async function openStream(base: string, token: string, lastEventId?: string) {
  const controller = new AbortController();
  const res = await fetch(`${base}/v1/events`, {
    headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: SseEvent[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
          if (fields.id) events.push({ id: fields.id, event: fields.event!, data: JSON.parse(fields.data!) as SseEvent['data'] });
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    async waitFor(predicate: (e: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`event not received; got ${JSON.stringify(events.map((e) => [e.id, e.event, e.data.payload]))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      controller.abort();
      await pump;
    },
  };
}

let gw: TestGateway;
let base: string;
let price: number;
const I = '2033-01-01T08:00:00Z';

const placeOrder = async (user: string, householdId: string, energyWh: number) => {
  const res = await gw.call(user, 'POST', '/v1/orders', { householdId, side: 'buy', interval: I, energyWh, limitPrice: price }, { 'idempotency-key': newKey() });
  await expectStatus(res, 201);
  return res.json<{ orderId: string }>().orderId;
};

beforeAll(async () => {
  gw = await startTestGateway();
  const config = await operatorMarket(gw);
  price = Math.floor((config.feedInTariff + config.retailTariff) / 2);
  await onboard(gw, { householdId: 'h-sam', zone: 'north', owner: 'sam', deposit: 1_000_000 });
  await onboard(gw, { householdId: 'h-sue', zone: 'south', owner: 'sue', deposit: 1_000_000 });
  await gw.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(gw.app.server.address() as AddressInfo).port}`;
}, 120_000);
afterAll(async () => gw?.close());

it('delivers ledger events live, filtered to what each caller may see', async () => {
  const sam = await openStream(base, await gw.token('sam'));
  const utility = await openStream(base, await gw.token(UTILITY));
  try {
    const samOrder = await placeOrder('sam', 'h-sam', 100);
    const sueOrder = await placeOrder('sue', 'h-sue', 200);
    const seen = await sam.waitFor((e) => e.data.payload.orderId === samOrder);
    expect(seen).toMatchObject({ event: 'OrderPlaced', data: { type: 'OrderPlaced', payload: { householdId: 'h-sam', interval: I } } });
    expect(seen.id).toMatch(/^\d+:\d+$/);
    expect(seen.data.blockNumber).toBe(Number(seen.id.split(':')[0]));
    await utility.waitFor((e) => e.data.payload.orderId === sueOrder);
    await utility.waitFor((e) => e.data.payload.orderId === samOrder);
    await expectStatus(await gw.call(UTILITY, 'POST', `/v1/market/intervals/${I}/close`), 200);
    await sam.waitFor((e) => e.event === 'IntervalClosed' && e.data.payload.interval === I);
    // Sue's order and Sue's household events never reach Sam.
    expect(sam.events.filter((e) => JSON.stringify(e.data.payload).includes('h-sue'))).toEqual([]);
  } finally {
    await sam.close();
    await utility.close();
  }
});

it('shows household members only their own household and meters in market-wide events; staff everything', async () => {
  const traded = '2033-01-01T09:00:00Z';
  const sam = await openStream(base, await gw.token('sam'));
  const utility = await openStream(base, await gw.token(UTILITY));
  try {
    const order = (user: string, householdId: string, side: 'buy' | 'sell') =>
      gw.call(user, 'POST', '/v1/orders', { householdId, side, interval: traded, energyWh: 400, limitPrice: price }, { 'idempotency-key': newKey() });
    await expectStatus(await order('sam', 'h-sam', 'sell'), 201);
    await expectStatus(await order('sue', 'h-sue', 'buy'), 201);
    await expectStatus(await gw.call(UTILITY, 'POST', `/v1/market/intervals/${traded}/clear`), 200);
    // No meter readings were sent: settlement names both meters as missing.
    await expectStatus(await gw.call(UTILITY, 'POST', `/v1/market/intervals/${traded}/settle`), 200);

    const forInterval = (type: string) => (e: SseEvent) => e.event === type && e.data.payload.interval === traded;
    expect((await utility.waitFor(forInterval('IntervalCleared'))).data.payload.householdIds).toEqual(['h-sam', 'h-sue']);
    expect((await utility.waitFor(forInterval('IntervalSettled'))).data.payload).toMatchObject({
      householdIds: ['h-sam', 'h-sue'],
      missingReadings: ['m-h-sam', 'm-h-sue'],
    });
    const cleared = await sam.waitFor(forInterval('IntervalCleared'));
    expect(cleared.data.payload).toMatchObject({ interval: traded, trades: 1, tradedWh: 400, householdIds: ['h-sam'] });
    const settled = await sam.waitFor(forInterval('IntervalSettled'));
    expect(settled.data.payload).toMatchObject({ householdIds: ['h-sam'], missingReadings: ['m-h-sam'] });
    expect(sam.events.filter((e) => JSON.stringify(e.data).includes('h-sue'))).toEqual([]);

    // The interval view is aggregated the same way for a household member.
    const view = await gw.call('sam', 'GET', `/v1/market/intervals/${traded}`);
    await expectStatus(view, 200);
    expect(view.json()).toMatchObject({ status: 'SETTLED', settlement: { missingReadings: ['m-h-sam'] } });
    expect(view.body).not.toContain('h-sue');
    expect((await gw.call(UTILITY, 'GET', `/v1/market/intervals/${traded}`)).json()).toMatchObject({
      settlement: { missingReadings: ['m-h-sam', 'm-h-sue'] },
    });
  } finally {
    await sam.close();
    await utility.close();
  }
});

it('resumes after Last-Event-ID without loss or repetition, from memory and from the ledger', async () => {
  const first = await openStream(base, await gw.token(UTILITY));
  const deposit = async (n: number) =>
    expectStatus(await gw.call('retailer-admin', 'POST', '/v1/households/h-sam/deposits', { amount: n }, { 'idempotency-key': newKey() }), 201);
  await deposit(1);
  const seenFirst = await first.waitFor((e) => e.event === 'Deposited' && e.data.payload.amount === 1);
  await first.close();

  // Missed while disconnected.
  await deposit(2);
  await deposit(3);
  await new Promise((r) => setTimeout(r, 300));

  const resumed = await openStream(base, await gw.token(UTILITY), seenFirst.id);
  try {
    await resumed.waitFor((e) => e.data.payload.amount === 3);
    const amounts = resumed.events.filter((e) => e.event === 'Deposited').map((e) => e.data.payload.amount);
    expect(amounts).toEqual([2, 3]);
  } finally {
    await resumed.close();
  }

  // As if the memory had forgotten everything before the latest event: the gap is replayed from the ledger.
  const hub = gw.app.gridshare.hub;
  const latest = hub.after().at(-1)!;
  hub.startAt({ block: latest.block, index: latest.index });
  const replayed = await openStream(base, await gw.token(UTILITY), seenFirst.id);
  try {
    await replayed.waitFor((e) => e.data.payload.amount === 3);
    const ids = replayed.events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(replayed.events.filter((e) => e.event === 'Deposited').map((e) => e.data.payload.amount)).toEqual([2, 3]);
    await deposit(4);
    await replayed.waitFor((e) => e.data.payload.amount === 4);
  } finally {
    await replayed.close();
  }
});

it('refuses a malformed Last-Event-ID', async () => {
  const res = await fetch(`${base}/v1/events`, { headers: { authorization: `Bearer ${await gw.token('sam')}`, 'last-event-id': 'yesterday' } });
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
});
