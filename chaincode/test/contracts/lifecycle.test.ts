/** Interval life, idempotency, funding, and the market clock. */
import { createHash } from 'crypto';
import { compositeKey, FakeLedger } from '../support/fakeLedger';
import { deposit, expectRefused, ok, placeOrder, seconds, signReading, standardWorld, T10, T1015, type World } from '../support/world';

const sell = { idempotencyKey: 's-1', householdId: 'h-2', side: 'sell', energyWh: 1000, limitPrice: 1000 };
const buy = { idempotencyKey: 'b-1', householdId: 'h-1', side: 'buy', energyWh: 1000, limitPrice: 2000 };

async function clearedWorld(): Promise<World> {
  const w = await standardWorld();
  ok(await deposit(w, 'h-1', 100_000));
  ok(await placeOrder(w, w.ids.otherOwner, sell));
  ok(await placeOrder(w, w.ids.owner, buy));
  ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
  return w;
}

describe('interval life cycle', () => {
  test('an order into a CLOSED interval is refused, and so is a cancellation', async () => {
    const w = await standardWorld();
    const order = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, buy));
    expect(ok(await w.ledger.submit(w.ids.utility, 'market:CloseInterval', [T10]))).toEqual({ interval: T10, status: 'CLOSED' });
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, idempotencyKey: 'b-2' }), /^INTERVAL_NOT_OPEN: interval 2026-11-21T10:00:00Z is CLOSED/);
    await expectRefused(w, w.ledger.submit(w.ids.owner, 'market:CancelOrder', [order.orderId]), /^INTERVAL_NOT_OPEN/);
    await expectRefused(w, w.ledger.submit(w.ids.utility, 'market:CloseInterval', [T10]), /^INTERVAL_NOT_OPEN/);
    // Other intervals are unaffected.
    expect(ok(await placeOrder(w, w.ids.owner, { ...buy, idempotencyKey: 'b-3', interval: T1015 }))).toMatchObject({ status: 'OPEN' });
  });

  test('clearing an OPEN interval closes it first; clearing twice is a conflict', async () => {
    const w = await clearedWorld();
    expect(ok(await w.ledger.evaluate(w.ids.stranger, 'market:GetInterval', [T10]))).toMatchObject({ status: 'CLEARED', tradedWh: 1000 });
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, idempotencyKey: 'late' }), /^INTERVAL_NOT_OPEN: interval .* is CLEARED/);
    await expectRefused(w, w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]), /^CONFLICT: interval .* is already CLEARED/);
  });

  test('after clearing, every read of an order shows its outcome, and it can no longer be cancelled', async () => {
    const w = await clearedWorld();
    const mine = ok<{ orders: { orderId: string; status: string; matchedWh: number }[] }>(await w.ledger.evaluate(w.ids.owner, 'market:ListOrders', ['']));
    expect(mine.orders).toEqual([expect.objectContaining({ status: 'MATCHED', matchedWh: 1000 })]);
    const orderId = mine.orders[0]!.orderId;
    // A retried placement returns the order as it stands now.
    expect(ok(await placeOrder(w, w.ids.owner, buy))).toMatchObject({ orderId, status: 'MATCHED', matchedWh: 1000 });
    await expectRefused(w, w.ledger.submit(w.ids.owner, 'market:CancelOrder', [orderId]), /^CONFLICT: order .* is MATCHED/);
    const all = ok<{ orders: { status: string }[] }>(await w.ledger.evaluate(w.ids.utility, 'market:ListOrders', ['']));
    const ofInterval = ok<{ orders: { status: string }[] }>(await w.ledger.evaluate(w.ids.utility, 'market:ListOrders', [JSON.stringify({ interval: T10 })]));
    expect(all.orders.map((o) => o.status)).toEqual(['MATCHED', 'MATCHED']);
    expect(ofInterval).toEqual(all);
    // Settlement leaves the outcomes in place.
    ok(await w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T10]));
    expect(ok(await w.ledger.evaluate(w.ids.owner, 'market:GetOrder', [orderId]))).toMatchObject({ status: 'MATCHED', matchedWh: 1000 });
  });

  test('settling before clearing is a conflict; settling twice is ALREADY_SETTLED', async () => {
    const w = await standardWorld();
    await expectRefused(w, w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T10]), /^CONFLICT: interval .* is OPEN; clear it before settling/);
    ok(await w.ledger.submit(w.ids.utility, 'market:CloseInterval', [T10]));
    await expectRefused(w, w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T10]), /^CONFLICT: .* is CLOSED/);
    const c = await clearedWorld();
    const first = ok(await c.ledger.submit(c.ids.utility, 'settlement:SettleInterval', [T10]));
    expect(first).toMatchObject({ status: 'SETTLED', missingReadings: ['m-1', 'm-2'] });
    await expectRefused(c, c.ledger.submit(c.ids.utility, 'settlement:SettleInterval', [T10]), /^ALREADY_SETTLED/);
  });

  test('a certificate is claimed once', async () => {
    const w = await clearedWorld();
    const readings = [
      signReading(w.meters['m-1']!, { meterId: 'm-1', interval: T10, importWh: 1000, exportWh: 0 }),
      signReading(w.meters['m-2']!, { meterId: 'm-2', interval: T10, importWh: 0, exportWh: 1000 }),
    ];
    ok(await w.ledger.submit(w.ids.utility, 'meters:SubmitReadings', [], { transient: { readings } }));
    ok(await w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T10]));
    const list = ok<{ certificates: { certificateId: string }[] }>(await w.ledger.evaluate(w.ids.owner, 'certificates:ListCertificates', ['h-1']));
    const id = list.certificates[0]!.certificateId;
    ok(await w.ledger.submit(w.ids.owner, 'certificates:ClaimCertificate', [id]));
    await expectRefused(w, w.ledger.submit(w.ids.owner, 'certificates:ClaimCertificate', [id]), /^ALREADY_CLAIMED/);
    await expectRefused(w, w.ledger.submit(w.ids.owner, 'certificates:ClaimCertificate', ['nope']), /^NOT_FOUND/);
  });

  test('a cancelled order stays out of clearing', async () => {
    const w = await standardWorld();
    ok(await deposit(w, 'h-1', 100_000));
    ok(await placeOrder(w, w.ids.otherOwner, sell));
    const order = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, buy));
    expect(ok(await w.ledger.submit(w.ids.owner, 'market:CancelOrder', [order.orderId]))).toMatchObject({ status: 'CANCELLED' });
    await expectRefused(w, w.ledger.submit(w.ids.owner, 'market:CancelOrder', [order.orderId]), /^CONFLICT: order .* is CANCELLED/);
    expect(ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]))).toMatchObject({ trades: 0, tradedWh: 0 });
    expect(ok(await w.ledger.evaluate(w.ids.owner, 'market:GetOrder', [order.orderId]))).toMatchObject({ status: 'CANCELLED' });
  });

  test('the consortium is initialised once, and nothing works before', async () => {
    const w = await standardWorld();
    await expectRefused(
      w,
      w.ledger.submit(w.ids.utility, 'consortium:Init', [JSON.stringify({ utilityMspId: 'UtilityMSP', retailerMspIds: ['RetailerMSP'] })]),
      /^ALREADY_EXISTS/,
    );
    const fresh = new FakeLedger();
    expect((await fresh.evaluate(w.ids.owner, 'consortium:WhoAmI')).message).toMatch(/^NOT_INITIALISED/);
    const wrong = await fresh.submit(w.ids.retailerAdmin, 'consortium:Init', [JSON.stringify({ utilityMspId: 'UtilityMSP', retailerMspIds: ['RetailerMSP'] })]);
    expect(wrong.message).toMatch(/^FORBIDDEN: only an operator of the utility MSP/);
  });

  test('unknown transactions are errors', async () => {
    const w = await standardWorld();
    expect((await w.ledger.submit(w.ids.utility, 'market:MintMoney', [])).message).toMatch(/^INVALID_ARGUMENT: contract market has no transaction MintMoney/);
  });
});

describe('idempotency', () => {
  test('the same order key and content yields one order; other content is refused', async () => {
    const w = await standardWorld();
    const first = await placeOrder(w, w.ids.owner, buy);
    const again = await placeOrder(w, w.ids.owner, buy);
    expect(again.payload).toBe(first.payload);
    expect(again.writes).toBe(0);
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, energyWh: 999 }), /^IDEMPOTENCY_KEY_REUSED/);
    const list = ok<{ orders: unknown[] }>(await w.ledger.evaluate(w.ids.owner, 'market:ListOrders', ['']));
    expect(list.orders).toHaveLength(1);
    const filtered = ok<{ orders: unknown[] }>(await w.ledger.evaluate(w.ids.owner, 'market:ListOrders', ['{"householdId":"","interval":""}']));
    expect(filtered.orders).toHaveLength(1);
  });

  test('deposits and withdrawals replay their first result; withdrawals never go below zero', async () => {
    const w = await standardWorld();
    const first = ok(await deposit(w, 'h-1', 500, 'k1'));
    expect(first).toMatchObject({ householdId: 'h-1', amount: 500, balanceAfter: 500 });
    const replay = await deposit(w, 'h-1', 500, 'k1');
    expect(replay.payload).toBe(JSON.stringify(first, Object.keys(first).sort()));
    expect(replay.writes).toBe(0);
    await expectRefused(w, deposit(w, 'h-1', 600, 'k1'), /^IDEMPOTENCY_KEY_REUSED/);
    const withdraw = (amount: number, key: string) =>
      w.ledger.submit(w.ids.retailerAdmin, 'money:Withdraw', [JSON.stringify({ householdId: 'h-1', amount, idempotencyKey: key })]);
    await expectRefused(w, withdraw(501, 'w1'), /^INSUFFICIENT_FUNDS: household h-1 has 500, cannot withdraw 501/);
    expect(ok(await withdraw(500, 'w2'))).toMatchObject({ amount: -500, balanceAfter: 0 });
    expect((await withdraw(500, 'w2')).writes).toBe(0);
    const statement = ok<{ balance: number; entries: { kind: string; amount: number }[] }>(await w.ledger.evaluate(w.ids.owner, 'money:GetStatement', ['h-1']));
    expect(statement).toMatchObject({ balance: 0, entries: [{ kind: 'deposit', amount: 500 }, { kind: 'withdraw', amount: -500 }] });
  });
});

describe('idempotency keys belong to the calling identity', () => {
  const whoAmI = async (w: World, who: World['ids']['owner']) => ok<{ mspId: string; id: string }>(await w.ledger.evaluate(who, 'consortium:WhoAmI'));

  test('the order ID is derived from the caller identity and key, so a retry lands on the same order', async () => {
    const w = await standardWorld();
    const me = await whoAmI(w, w.ids.owner);
    const expected = `o-${createHash('sha256').update(`${me.mspId}|${me.id}|${buy.idempotencyKey}`).digest('hex').slice(0, 32)}`;
    expect(ok(await placeOrder(w, w.ids.owner, buy))).toMatchObject({ orderId: expected });
    const retry = await placeOrder(w, w.ids.owner, buy);
    expect(ok(retry)).toMatchObject({ orderId: expected });
    expect(retry.writes).toBe(0);
  });

  test('two identities using the same key place two independent orders for one household', async () => {
    const w = await standardWorld();
    ok(await w.ledger.submit(w.ids.retailerAdmin, 'households:SetMemberTrading', ['h-1', 'bob', 'true']));
    const mine = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, buy));
    const theirs = ok<{ orderId: string }>(await placeOrder(w, w.ids.member, { ...buy, energyWh: 500 }));
    expect(theirs.orderId).not.toBe(mine.orderId);
    const list = ok<{ orders: { orderId: string; energyWh: number }[] }>(await w.ledger.evaluate(w.ids.owner, 'market:ListOrders', ['']));
    expect(list.orders.map((o) => o.energyWh).sort()).toEqual([1000, 500]);
  });

  test('a key reused by the same identity for another household is refused, not a second order', async () => {
    const w = await standardWorld();
    ok(await placeOrder(w, w.ids.owner, buy));
    // alice moves from h-1 to h-2 and reuses her key there.
    const me = await whoAmI(w, w.ids.owner);
    ok(await w.ledger.submit(w.ids.retailerAdmin, 'households:RemoveMember', ['h-1', 'alice']));
    ok(
      await w.ledger.submit(w.ids.retailerAdmin, 'households:AddMember', [
        JSON.stringify({ householdId: 'h-2', userId: 'alice', role: 'member', mspId: me.mspId, identityId: me.id, canTrade: true }),
      ]),
    );
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, householdId: 'h-2' }), /^IDEMPOTENCY_KEY_REUSED: idempotency key b-1 was used for another order/);
    expect(ok(await placeOrder(w, w.ids.owner, { ...buy, householdId: 'h-2', idempotencyKey: 'b-h2' }))).toMatchObject({ householdId: 'h-2', status: 'OPEN' });
  });

  test('a deposit key reused by the same retailer identity for another household is refused', async () => {
    const w = await standardWorld();
    ok(await deposit(w, 'h-1', 500, 'k1'));
    await expectRefused(w, deposit(w, 'h-2', 500, 'k1'), /^IDEMPOTENCY_KEY_REUSED: idempotency key k1 was used for another request/);
    const withdrawSameKey = w.ledger.submit(w.ids.retailerAdmin, 'money:Withdraw', [JSON.stringify({ householdId: 'h-1', amount: 500, idempotencyKey: 'k1' })]);
    await expectRefused(w, withdrawSameKey, /^IDEMPOTENCY_KEY_REUSED/);
    const h2 = ok<{ balance: number; entries: unknown[] }>(await w.ledger.evaluate(w.ids.retailerAdmin, 'money:GetStatement', ['h-2']));
    expect(h2).toMatchObject({ balance: 0, entries: [] });
  });

  test('two retailer identities using the same key record two independent deposits', async () => {
    const w = await standardWorld();
    ok(await deposit(w, 'h-1', 500, 'shared'));
    const second = ok(await w.ledger.submit(w.ids.retailerAttrAdmin, 'money:Deposit', [JSON.stringify({ householdId: 'h-1', amount: 700, idempotencyKey: 'shared' })]));
    expect(second).toMatchObject({ amount: 700, balanceAfter: 1200 });
  });
});

describe('funding at clearing', () => {
  test('a buy order its household cannot fund is UNMATCHED with reason UNFUNDED', async () => {
    const w = await standardWorld();
    // Worst case of 1000 Wh at 2000 + cross-zone fee 300 is 2300.
    ok(await deposit(w, 'h-1', 2299));
    ok(await placeOrder(w, w.ids.otherOwner, sell));
    const order = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, buy));
    expect(ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]))).toMatchObject({ trades: 0, unfundedOrders: 1 });
    expect(ok(await w.ledger.evaluate(w.ids.owner, 'market:GetOrder', [order.orderId]))).toMatchObject({ status: 'UNMATCHED', reason: 'UNFUNDED', matchedWh: 0 });
  });

  test('credit limit counts, and earlier orders use funds first', async () => {
    const w = await standardWorld();
    ok(await deposit(w, 'h-1', 1300));
    ok(await w.ledger.submit(w.ids.retailerAdmin, 'households:SetCreditLimit', ['h-1', '1000']));
    ok(await placeOrder(w, w.ids.otherOwner, { ...sell, energyWh: 2000 }));
    w.ledger.clock += 1;
    const early = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, buy));
    w.ledger.clock += 1;
    const late = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, { ...buy, idempotencyKey: 'b-2' }));
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
    expect(ok(await w.ledger.evaluate(w.ids.owner, 'market:GetOrder', [early.orderId]))).toMatchObject({ status: 'MATCHED' });
    expect(ok(await w.ledger.evaluate(w.ids.owner, 'market:GetOrder', [late.orderId]))).toMatchObject({ status: 'UNMATCHED', reason: 'UNFUNDED' });
  });
});

describe('market rules on orders', () => {
  test('price bounds, meter capacity, suspension and retired meters', async () => {
    const w = await standardWorld();
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, limitPrice: 3001 }), /^MARKET_RULE: limitPrice 3001 is outside \[800, 3000\]/);
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, limitPrice: 799 }), /^MARKET_RULE/);
    // 8000 W for 900 s is 2000 Wh.
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, side: 'sell', energyWh: 2001 }), /^MARKET_RULE: energyWh 2001 exceeds what meter m-1 can export in one interval \(2000 Wh\)/);
    expect(ok(await placeOrder(w, w.ids.owner, { ...buy, side: 'sell', energyWh: 2000, idempotencyKey: 'max' }))).toMatchObject({ status: 'OPEN' });
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, meterId: 'm-2' }), /^FORBIDDEN: meter m-2 does not belong to household h-1/);
    ok(await w.ledger.submit(w.ids.utility, 'households:SetSuspended', ['h-1', 'true']));
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, idempotencyKey: 'susp' }), /^FORBIDDEN: household h-1 is suspended/);
    ok(await w.ledger.submit(w.ids.utility, 'households:SetSuspended', ['h-1', 'false']));
    ok(await w.ledger.submit(w.ids.utility, 'meters:RetireMeter', ['m-1']));
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, idempotencyKey: 'ret' }), /^MARKET_RULE: household h-1 has no active meter/);
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, idempotencyKey: 'ret2', meterId: 'm-1' }), /^MARKET_RULE: meter m-1 is retired/);
  });

  test('the household record keeps what orders need of its meters, and retiring a meter updates it', async () => {
    const w = await standardWorld();
    const household = () => JSON.parse(w.ledger.state.get(compositeKey('household', ['h-1']))!.toString('utf8')) as Record<string, unknown>;
    expect(household().meterTerms).toEqual({ 'm-1': { zone: 'Z1', exportCapacityW: 8000, importCapacityW: 12000, retired: false } });
    ok(await w.ledger.submit(w.ids.utility, 'meters:RetireMeter', ['m-1']));
    expect(household().meterTerms).toEqual({ 'm-1': { zone: 'Z1', exportCapacityW: 8000, importCapacityW: 12000, retired: true } });
  });

  test('a household stored without meter terms trades through its meter records', async () => {
    const w = await standardWorld();
    const key = compositeKey('household', ['h-1']);
    const { meterTerms: _dropped, ...legacy } = JSON.parse(w.ledger.state.get(key)!.toString('utf8')) as Record<string, unknown>;
    w.ledger.seed(key, legacy);
    expect(ok(await placeOrder(w, w.ids.owner, buy))).toMatchObject({ meterId: 'm-1', zone: 'Z1', status: 'OPEN' });
    expect([...w.ledger.lastAccess.reads].map((k) => k.split('\u0000')[1])).toContain('meter');
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, side: 'sell', energyWh: 2001, idempotencyKey: 'cap' }), /^MARKET_RULE: energyWh 2001 exceeds what meter m-1/);
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, meterId: 'm-2', idempotencyKey: 'other' }), /^FORBIDDEN: meter m-2 does not belong to household h-1/);
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, meterId: 'm-9', idempotencyKey: 'none' }), /^NOT_FOUND: meter m-9 does not exist/);
    w.ledger.seed(key, legacy);
    ok(await w.ledger.submit(w.ids.utility, 'meters:RetireMeter', ['m-1']));
    w.ledger.seed(key, legacy);
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, idempotencyKey: 'ret' }), /^MARKET_RULE: household h-1 has no active meter/);
  });
});

describe('meter readings', () => {
  const good = (w: World, meterId: string, importWh = 10, exportWh = 20, interval = T10) =>
    signReading(w.meters[meterId]!, { meterId, interval, importWh, exportWh });
  const submit = (w: World, readings: unknown) => w.ledger.submit(w.ids.utility, 'meters:SubmitReadings', [], { transient: { readings } });

  test('the batch is all or nothing and names the bad reading', async () => {
    const w = await standardWorld();
    const forged = { ...good(w, 'm-2'), exportWh: 21 };
    await expectRefused(w, submit(w, [good(w, 'm-1'), forged]), /^INVALID_ARGUMENT: readings\[1\] \(meter m-2, interval 2026-11-21T10:00:00Z\): the signature does not verify/);
    const wrongKey = { ...good(w, 'm-1'), signature: good(w, 'm-2').signature };
    await expectRefused(w, submit(w, [wrongKey]), /signature does not verify/);
    await expectRefused(w, submit(w, [good(w, 'm-1'), good(w, 'm-1')]), /^ALREADY_EXISTS: readings\[1\]/);
    await expectRefused(w, submit(w, [{ ...good(w, 'm-1'), meterId: 'm-9' }]), /^NOT_FOUND: readings\[0\] \(meter m-9.*unknown meter/);
    // 12000 W import for 900 s is 3000 Wh.
    await expectRefused(w, submit(w, [good(w, 'm-1', 3001, 0)]), /^INVALID_ARGUMENT: readings\[0\].*importWh 3001 exceeds the meter's 3000 Wh/);
    await expectRefused(w, submit(w, [good(w, 'm-1', 0, 2001)]), /exportWh 2001 exceeds/);
    await expectRefused(w, w.ledger.submit(w.ids.utility, 'meters:SubmitReadings', []), /^INVALID_ARGUMENT: transient field "readings" is required/);
    await expectRefused(w, submit(w, 'not json ['), /^INVALID_ARGUMENT: transient field "readings" is not valid JSON/);
    await expectRefused(w, submit(w, []), /^INVALID_ARGUMENT: readings must not be empty/);
    expect(ok(await submit(w, [good(w, 'm-1'), good(w, 'm-2')]))).toEqual({ accepted: 2 });
    await expectRefused(w, submit(w, [good(w, 'm-3'), good(w, 'm-1')]), /^ALREADY_EXISTS: readings\[1\] \(meter m-1/);
    ok(await w.ledger.submit(w.ids.utility, 'meters:RetireMeter', ['m-3']));
    await expectRefused(w, submit(w, [good(w, 'm-3')]), /^MARKET_RULE: .*the meter is retired/);
  });

  test('raw readings stay private: public state keeps only a salted hash', async () => {
    const w = await standardWorld();
    ok(await submit(w, [good(w, 'm-1', 1234, 567)]));
    const publicValues = [...w.ledger.state.entries()].filter(([k]) => k.startsWith('\u0000reading\u0000')).map(([, v]) => JSON.parse(v.toString()));
    expect(publicValues).toEqual([{ meterId: 'm-1', interval: T10, hash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    // The hash is random hex (secret salt) and may contain any digits; the rest must not carry the reading.
    expect(JSON.stringify(publicValues.map(({ hash: _hash, ...rest }) => rest))).not.toContain('1234');
    expect(ok(await w.ledger.evaluate(w.ids.member, 'meters:GetReadings', ['m-1', T10, T10]))).toEqual({
      readings: [{ meterId: 'm-1', interval: T10, importWh: 1234, exportWh: 567 }],
    });
    expect((await w.ledger.evaluate(w.ids.otherOwner, 'meters:GetReadings', ['m-1', '', ''])).message).toMatch(/^FORBIDDEN/);
  });
});

describe('wall clock', () => {
  test('orders close at the interval start and readings open at its end', async () => {
    const w = await standardWorld({ clock: 'wall' });
    w.ledger.clock = seconds('2026-11-21T09:59:59Z');
    expect(ok(await placeOrder(w, w.ids.owner, buy))).toMatchObject({ status: 'OPEN' });
    w.ledger.clock = seconds(T10);
    await expectRefused(w, placeOrder(w, w.ids.owner, { ...buy, idempotencyKey: 'late' }), /^INTERVAL_NOT_OPEN: gate closure for interval 2026-11-21T10:00:00Z has passed/);
    const order = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, { ...buy, idempotencyKey: 'next', interval: T1015 }));
    w.ledger.clock = seconds(T1015);
    await expectRefused(w, w.ledger.submit(w.ids.owner, 'market:CancelOrder', [order.orderId]), /^INTERVAL_NOT_OPEN: gate closure/);
    const reading = signReading(w.meters['m-1']!, { meterId: 'm-1', interval: T1015, importWh: 1, exportWh: 1 });
    w.ledger.clock = seconds('2026-11-21T10:29:59Z');
    await expectRefused(
      w,
      w.ledger.submit(w.ids.utility, 'meters:SubmitReadings', [], { transient: { readings: [reading] } }),
      /^MARKET_RULE: readings\[0\].*the interval has not ended yet/,
    );
    w.ledger.clock = seconds('2026-11-21T10:30:00Z');
    expect(ok(await w.ledger.submit(w.ids.utility, 'meters:SubmitReadings', [], { transient: { readings: [reading] } }))).toEqual({ accepted: 1 });
  });
});
