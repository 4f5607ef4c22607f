/**
 * A retired meter's readings of intervals that started before its retirement still count: what it
 * exported before it was retired is still settled as delivered. Later intervals are refused.
 */
import { compositeKey } from '../support/fakeLedger';
import { deposit, expectRefused, ok, placeOrder, seconds, signReading, standardWorld, T10, T1015, type World } from '../support/world';

const T1030 = '2026-11-21T10:30:00Z';

const reading = (w: World, interval: string, exportWh = 1000) => signReading(w.meters['m-2']!, { meterId: 'm-2', interval, importWh: 0, exportWh });
const submit = (w: World, readings: unknown[]) => w.ledger.submit(w.ids.utility, 'meters:SubmitReadings', [], { transient: { readings } });
const retire = (w: World, at: string) => w.ledger.submit(w.ids.utility, 'meters:RetireMeter', ['m-2'], { at: seconds(at) });

test('RetireMeter records the transaction time as retiredAt', async () => {
  const w = await standardWorld();
  expect(ok(await retire(w, '2026-11-21T10:20:00Z'))).toMatchObject({ meterId: 'm-2', retired: true, retiredAt: '2026-11-21T10:20:00.000000000Z' });
  expect(ok(await w.ledger.evaluate(w.ids.utility, 'meters:GetMeter', ['m-2']))).toMatchObject({ retired: true, retiredAt: '2026-11-21T10:20:00.000000000Z' });
});

test('readings of intervals that started before the retirement are accepted; later ones are refused', async () => {
  const w = await standardWorld();
  ok(await retire(w, '2026-11-21T10:20:00Z'));
  // 10:15 started before 10:20 (the meter was retired during it); 10:30 starts after.
  expect(ok(await submit(w, [reading(w, T10), reading(w, T1015)]))).toEqual({ accepted: 2 });
  await expectRefused(w, submit(w, [reading(w, T1030)]), /^MARKET_RULE: readings\[0\] \(meter m-2, interval 2026-11-21T10:30:00Z\): the meter is retired$/);
});

test('an interval starting at the very moment of retirement is refused', async () => {
  const w = await standardWorld();
  ok(await retire(w, T1015));
  expect(ok(await submit(w, [reading(w, T10)]))).toEqual({ accepted: 1 });
  await expectRefused(w, submit(w, [reading(w, T1015)]), /the meter is retired/);
});

test('a meter retired before retiredAt was recorded keeps refusing every reading', async () => {
  const w = await standardWorld();
  ok(await retire(w, '2026-11-21T10:20:00Z'));
  const key = compositeKey('meter', ['m-2']);
  const { retiredAt: _dropped, ...legacy } = JSON.parse(w.ledger.state.get(key)!.toString('utf8')) as Record<string, unknown>;
  w.ledger.seed(key, legacy);
  await expectRefused(w, submit(w, [reading(w, T10)]), /^MARKET_RULE: .*the meter is retired/);
});

test('a seller whose meter is retired after delivering is settled on its reading, not charged a shortfall', async () => {
  const w = await standardWorld();
  ok(await deposit(w, 'h-1', 1_000_000));
  ok(await placeOrder(w, w.ids.owner, { idempotencyKey: 'b', householdId: 'h-1', side: 'buy', energyWh: 1000, limitPrice: 3000 }));
  ok(await placeOrder(w, w.ids.otherOwner, { idempotencyKey: 's', householdId: 'h-2', side: 'sell', energyWh: 1000, limitPrice: 1000 }));
  ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
  ok(await retire(w, '2026-11-21T10:20:00Z'));
  const buyerReading = signReading(w.meters['m-1']!, { meterId: 'm-1', interval: T10, importWh: 1000, exportWh: 0 });
  expect(ok(await submit(w, [buyerReading, reading(w, T10)]))).toEqual({ accepted: 2 });
  expect(ok(await w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T10]))).toMatchObject({ missingReadings: [] });
  const statement = ok<{ entries: { kind: string }[] }>(await w.ledger.evaluate(w.ids.utility, 'money:GetStatement', ['h-2']));
  expect(statement.entries.map((e) => e.kind)).toEqual(['trade']);
});
