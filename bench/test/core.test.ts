import { createPublicKey, verify } from 'node:crypto';
import { ApiClient } from '../src/core/api-client';
import { intervalName, startHourOfDay } from '../src/core/intervals';
import { newMeterKey, signReading } from '../src/core/meter-keys';
import { mapPool } from '../src/core/pool';
import { conflictRate, diffCounters, ledgerCounters, parsePrometheus } from '../src/core/prometheus';
import { mulberry32, streamFor } from '../src/core/prng';
import { actualInterval, dayWeather, decideOrder, forecastInterval, householdTraits, meterReading, pvPowerW } from '../src/core/profiles';
import { createServer, type Server } from 'node:http';

describe('prng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const c = mulberry32(2);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
    for (const v of seqA) expect(v >= 0 && v < 1).toBe(true);
  });

  it('gives labelled streams that do not depend on the order they are asked for', () => {
    const first = streamFor(9, 'actual', 3, 10)();
    streamFor(9, 'actual', 4, 10)();
    expect(streamFor(9, 'actual', 3, 10)()).toBe(first);
  });
});

describe('profiles', () => {
  const weather = dayWeather(1, 0);
  it('produces no PV at night and most around noon', () => {
    expect(pvPowerW(5000, 2, weather)).toBe(0);
    expect(pvPowerW(5000, 23, weather)).toBe(0);
    expect(pvPowerW(5000, 12.25, weather)).toBeGreaterThan(pvPowerW(5000, 9, weather));
  });

  it('sells a midday surplus and buys an evening deficit, inside the tariff bounds', () => {
    const tariffs = { feedInTariff: 800, retailTariff: 3000 };
    let traits = householdTraits(1, 0);
    for (let i = 1; traits.panelWp < 6000; i++) traits = householdTraits(1, i);
    const noon = decideOrder(1, traits, 48, forecastInterval(traits, weather, 12, 900), tariffs, 900);
    const evening = decideOrder(1, traits, 76, forecastInterval(traits, weather, 19, 900), tariffs, 900);
    expect(noon?.side).toBe('sell');
    expect(evening?.side).toBe('buy');
    for (const o of [noon, evening]) {
      expect(Number.isInteger(o?.energyWh)).toBe(true);
      expect(o!.limitPrice).toBeGreaterThanOrEqual(800);
      expect(o!.limitPrice).toBeLessThanOrEqual(3000);
    }
    expect(noon!.energyWh).toBeLessThanOrEqual((traits.exportCapacityW * 900) / 3600);
  });

  it('meters either import or export, never both, as integers', () => {
    const t = householdTraits(3, 5);
    const f = forecastInterval(t, weather, 13, 900);
    const r = meterReading(actualInterval(3, t, 52, f));
    expect(r.importWh === 0 || r.exportWh === 0).toBe(true);
    expect(Number.isInteger(r.importWh) && Number.isInteger(r.exportWh)).toBe(true);
  });
});

describe('intervals', () => {
  it('names intervals by UTC start with seconds and Z', () => {
    expect(intervalName('2026-11-21T00:00:00Z', 0, 900)).toBe('2026-11-21T00:00:00Z');
    expect(intervalName('2026-11-21T00:00:00Z', 97, 900)).toBe('2026-11-22T00:15:00Z');
    expect(startHourOfDay('2026-11-21T00:00:00Z', 50, 900)).toBe(12.5);
  });
});

describe('meter readings', () => {
  it('signs meterId|interval|importWh|exportWh verifiably with the registered key', () => {
    const key = newMeterKey();
    const r = signReading(key, { meterId: 'm-1', interval: '2026-11-21T10:15:00Z', importWh: 0, exportWh: 412 });
    const ok = verify('sha256', Buffer.from('m-1|2026-11-21T10:15:00Z|0|412'), createPublicKey(key.publicKeyPem), Buffer.from(r.signature, 'base64'));
    expect(ok).toBe(true);
    const tampered = verify('sha256', Buffer.from('m-1|2026-11-21T10:15:00Z|0|413'), createPublicKey(key.publicKeyPem), Buffer.from(r.signature, 'base64'));
    expect(tampered).toBe(false);
  });
});

describe('mapPool', () => {
  it('never exceeds the limit and keeps result order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapPool([5, 1, 4, 2, 3, 0, 6], 3, async (ms, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return i;
    });
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(most).toBe(3);
  });
});

describe('prometheus', () => {
  const text = (retries: number, conflictFailed: number) => `# HELP x
gridshare_fabric_transactions_total{kind="submit",transaction="market:PlaceOrder",outcome="ok"} 100
gridshare_fabric_transactions_total{kind="submit",transaction="market:PlaceOrder",outcome="conflict"} ${conflictFailed}
gridshare_fabric_transactions_total{kind="evaluate",transaction="market:GetInterval",outcome="ok"} 7
gridshare_fabric_conflict_retries_total{transaction="market:PlaceOrder"} ${retries}
gridshare_fabric_transaction_duration_seconds_bucket{le="0.1",kind="submit",transaction="market:PlaceOrder",outcome="ok"} 3
`;
  it('reads submits, conflict retries and failures, and their difference', () => {
    const before = ledgerCounters(parsePrometheus(text(1, 0)));
    const after = ledgerCounters(parsePrometheus(text(4, 1)));
    expect(before.submits).toBe(100);
    const d = diffCounters(before, after);
    expect(d).toMatchObject({ submits: 1, conflictRetries: 3, conflictFailures: 1, byTransaction: { 'market:PlaceOrder': 4 } });
    expect(conflictRate(d)).toBeCloseTo(4 / 4);
    expect(d.codeLabelled).toBe(false);
  });

  it('splits conflicts into MVCC and phantom when the retry counter has a code label', () => {
    const labelled = (mvcc: number, phantom: number) => `gridshare_fabric_conflict_retries_total{transaction="market:PlaceOrder",code="MVCC_READ_CONFLICT"} ${mvcc}
gridshare_fabric_conflict_retries_total{transaction="market:ClearInterval",code="PHANTOM_READ_CONFLICT"} ${phantom}
`;
    const d = diffCounters(ledgerCounters(parsePrometheus(labelled(1, 0))), ledgerCounters(parsePrometheus(labelled(3, 2))));
    expect(d).toMatchObject({ conflictRetries: 4, mvcc: 2, phantom: 2, codeLabelled: true });
    expect(d.byTransaction).toEqual({ 'market:PlaceOrder': 2, 'market:ClearInterval': 2 });
  });
});

describe('ApiClient', () => {
  let server: Server;
  let baseUrl = '';
  const seen: Array<{ key: string | undefined }> = [];
  let failuresLeft = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ key: req.headers['idempotency-key'] as string | undefined });
      res.setHeader('content-type', 'application/json');
      if (failuresLeft > 0) {
        failuresLeft--;
        res.statusCode = failuresLeft % 2 === 0 ? 503 : 409;
        res.end(JSON.stringify({ statusCode: res.statusCode, code: res.statusCode === 503 ? 'LEDGER_UNAVAILABLE' : 'CONFLICT', message: 'again' }));
        return;
      }
      if (req.url === '/refuse') {
        res.statusCode = 422;
        res.end(JSON.stringify({ statusCode: 422, code: 'MARKET_RULE', message: 'no' }));
        return;
      }
      res.statusCode = 201;
      res.end(JSON.stringify({ ok: true }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('retries 503 and conflicts with the same Idempotency-Key', async () => {
    seen.length = 0;
    failuresLeft = 3;
    const api = new ApiClient(baseUrl, { backoffMs: 1 });
    await expect(api.post('/v1/orders', { a: 1 })).resolves.toEqual({ ok: true });
    expect(seen).toHaveLength(4);
    expect(new Set(seen.map((s) => s.key)).size).toBe(1);
    expect(seen[0]?.key).toBeDefined();
    expect(api.stats).toMatchObject({ requests: 4, retries: 3, conflicts: 1, unavailable: 2 });
  });

  it('does not retry business refusals and names the code', async () => {
    seen.length = 0;
    const api = new ApiClient(baseUrl, { backoffMs: 1 });
    await expect(api.post('/refuse', {})).rejects.toMatchObject({ status: 422, code: 'MARKET_RULE' });
    expect(seen).toHaveLength(1);
    expect(api.stats.failures).toEqual({ '422 MARKET_RULE': 1 });
  });

  it('keeps the path prefix of its base URL', async () => {
    seen.length = 0;
    const api = new ApiClient(`${baseUrl}/gateway/`, { backoffMs: 1 });
    await expect(api.post('/refuse', {})).resolves.toEqual({ ok: true }); // served at /gateway/refuse, not /refuse
    expect(seen).toHaveLength(1);
    await api.close();
  });

  it('retries a refused connection and then reports a transport failure', async () => {
    const api = new ApiClient('http://127.0.0.1:1', { backoffMs: 1, maxRetries: 2 });
    await expect(api.get('/healthz')).rejects.toMatchObject({ status: 0, code: 'TRANSPORT' });
    expect(api.stats).toMatchObject({ requests: 3, retries: 2, unavailable: 3, failures: { '0 TRANSPORT': 1 } });
  });
});
