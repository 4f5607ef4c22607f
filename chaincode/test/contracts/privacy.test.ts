/**
 * Who may learn what about a retailer's customers: the salts of the public private-details and
 * reading hashes are secret, private details go only to the household's retailer and members, and
 * balances and trades of a household only to those who may read that household.
 */
import { createHash, randomBytes } from 'crypto';
import { canonicalJson } from '../../src/ledger/canonical';
import type { TestIdentity } from '../support/certs';
import { compositeKey } from '../support/fakeLedger';
import { deposit, ok, placeOrder, signReading, standardWorld, T10, type World } from '../support/world';

const DETAILS = { name: 'Ada Lovelace', address: '17 Maple Street', email: 'ada@example.org' };

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function onboard(w: World, householdId: string, privateDetails: unknown) {
  return w.ledger.submit(w.ids.retailerAdmin, 'households:OnboardHousehold', [JSON.stringify({ householdId, displayName: 'Maple 17' })], {
    transient: { privateDetails },
  });
}

describe('the private-details hash', () => {
  test('is salted with the secret salt that came with the details, not with the public transaction ID', async () => {
    const w = await standardWorld();
    const salt = randomBytes(32).toString('base64url');
    const result = await onboard(w, 'h-9', { ...DETAILS, salt });
    const household = ok<{ privateDetailsHash: string }>(result);
    expect(household.privateDetailsHash).toBe(sha256(canonicalJson({ ...DETAILS, salt })));
    // What anyone on the channel could compute from a guess and the block: it must not match.
    expect(household.privateDetailsHash).not.toBe(sha256(canonicalJson({ ...DETAILS, salt: result.txId })));
    // The salt is kept with the details in the retailer's collection and nowhere public.
    const stored = [...w.ledger.collection('RetailerMSPPrivateCollection').values()].map((v) => JSON.parse(v.toString()) as Record<string, unknown>);
    expect(stored).toContainEqual({ ...DETAILS, salt });
    expect([...w.ledger.state.values()].some((v) => v.toString().includes(salt))).toBe(false);
    expect(w.ledger.committedEvents.some((e) => JSON.stringify(e).includes(salt))).toBe(false);
    // Reading the details returns the details, as before.
    expect(ok(await w.ledger.evaluate(w.ids.retailerAdmin, 'households:GetPrivateDetails', ['h-9']))).toEqual(DETAILS);
  });

  test('the same details under two salts give two unrelated hashes', async () => {
    const w = await standardWorld();
    const a = ok<{ privateDetailsHash: string }>(await onboard(w, 'h-9', { ...DETAILS, salt: randomBytes(32).toString('base64url') }));
    const b = ok<{ privateDetailsHash: string }>(await onboard(w, 'h-10', { ...DETAILS, salt: randomBytes(32).toString('base64url') }));
    expect(a.privateDetailsHash).not.toBe(b.privateDetailsHash);
  });

  test.each([
    ['no salt', DETAILS, /salt is required/],
    ['a salt of 15 bytes', { ...DETAILS, salt: randomBytes(15).toString('base64url') }, /salt must be at least 16 bytes/],
    ['a salt that is not base64url', { ...DETAILS, salt: `${randomBytes(32).toString('base64')}+/=` }, /salt must be unpadded base64url/],
    ['a salt that is not a string', { ...DETAILS, salt: 12345678901234567890 }, /salt must be a string/],
    ['an over-long salt', { ...DETAILS, salt: randomBytes(200).toString('base64url') }, /salt is longer than/],
  ])('details with %s are refused', async (_name, details, message) => {
    const w = await standardWorld();
    const before = w.ledger.fingerprint();
    const result = await onboard(w, 'h-9', details);
    expect(result.message).toMatch(/^INVALID_ARGUMENT: /);
    expect(result.message).toMatch(message);
    expect(result.attemptedWrites).toBe(0);
    expect(w.ledger.fingerprint()).toBe(before);
  });

  test('a household onboarded without details has no hash and needs no salt', async () => {
    const w = await standardWorld();
    const household = ok(await w.ledger.submit(w.ids.retailerAdmin, 'households:OnboardHousehold', [JSON.stringify({ householdId: 'h-9', displayName: 'x' })]));
    expect(household.privateDetailsHash).toBeNull();
  });
});

describe('private details', () => {
  test('are read by the household and its retailer only: not by the utility, another retailer or an auditor', async () => {
    const w = await standardWorld();
    const read = (who: TestIdentity) => w.ledger.evaluate(who, 'households:GetPrivateDetails', ['h-1']);
    for (const who of [w.ids.owner, w.ids.member, w.ids.retailerAdmin, w.ids.retailerAttrAdmin]) {
      expect(ok(await read(who))).toMatchObject({ name: 'Resident of h-1' });
    }
    for (const who of [w.ids.utility, w.ids.utilityAdmin, w.ids.otherRetailer, w.ids.auditor, w.ids.otherOwner]) {
      expect((await read(who)).message).toMatch(/^FORBIDDEN: caller may not read the private details of household h-1/);
    }
  });
});

describe('the public reading hash', () => {
  const newSalt = (bytes = 32) => randomBytes(bytes).toString('base64url');
  const reading = (w: World, salt: unknown) => ({ ...signReading(w.meters['m-1']!, { meterId: 'm-1', interval: T10, importWh: 1234, exportWh: 567 }), salt });
  const submit = (w: World, readings: unknown[]) => w.ledger.submit(w.ids.utility, 'meters:SubmitReadings', [], { transient: { readings } });
  const publicHash = (w: World) => (JSON.parse(w.ledger.state.get(compositeKey('reading', ['m-1', T10]))!.toString('utf8')) as { hash: string }).hash;

  test('is salted with the secret salt sent with the reading, not with the public transaction ID', async () => {
    const w = await standardWorld();
    const salt = newSalt();
    const sent = reading(w, salt);
    const result = await submit(w, [sent]);
    expect(ok(result)).toEqual({ accepted: 1 });
    expect(publicHash(w)).toBe(sha256(canonicalJson(sent)));
    // What anyone on the channel could compute from a guessed reading and the block: it must not match.
    expect(publicHash(w)).not.toBe(sha256(canonicalJson({ ...sent, salt: `${result.txId}|0` })));
    // The salt is kept with the raw reading in the retailer's collection and nowhere public.
    const stored = [...w.ledger.collection('RetailerMSPPrivateCollection').values()].map((v) => JSON.parse(v.toString()) as Record<string, unknown>);
    expect(stored).toContainEqual(sent);
    expect([...w.ledger.state.values()].some((v) => v.toString().includes(salt))).toBe(false);
    expect(w.ledger.committedEvents.some((e) => JSON.stringify(e).includes(salt))).toBe(false);
    // Reading the readings returns the values, as before (no salt, no signature).
    expect(ok(await w.ledger.evaluate(w.ids.member, 'meters:GetReadings', ['m-1', T10, T10]))).toEqual({
      readings: [{ meterId: 'm-1', interval: T10, importWh: 1234, exportWh: 567 }],
    });
  });

  test('the same signed reading under two salts gives two unrelated hashes', async () => {
    // Two ledgers at the same transaction sequence, the same meter key: only the salt differs.
    const [a, b] = await Promise.all([standardWorld(), standardWorld()]);
    const meterKey = compositeKey('meter', ['m-1']);
    b.ledger.state.set(meterKey, a.ledger.state.get(meterKey)!);
    const signed = reading(a, undefined);
    const inA = await submit(a, [{ ...signed, salt: newSalt() }]);
    const inB = await submit(b, [{ ...signed, salt: newSalt() }]);
    ok(inA);
    ok(inB);
    expect(inA.txId).toBe(inB.txId);
    expect(publicHash(a)).not.toBe(publicHash(b));
  });

  test('salts of 16 and of 128 bytes are accepted', async () => {
    const w = await standardWorld();
    const m2 = { ...signReading(w.meters['m-2']!, { meterId: 'm-2', interval: T10, importWh: 1, exportWh: 2 }), salt: newSalt(128) };
    expect(ok(await submit(w, [reading(w, newSalt(16)), m2]))).toEqual({ accepted: 2 });
  });

  test.each([
    ['no salt', undefined, /readings\[1\]\.salt is required/],
    ['a salt of 15 bytes', newSalt(15), /readings\[1\]\.salt must be at least 16 bytes/],
    ['a salt of 129 bytes', newSalt(129), /readings\[1\]\.salt is longer than 171 characters/],
    ['a salt that is not base64url', `${randomBytes(32).toString('base64')}+/=`, /readings\[1\]\.salt must be unpadded base64url/],
    ['a padded salt', `${newSalt(31)}=`, /readings\[1\]\.salt must be unpadded base64url/],
    ['a salt that is not a string', 12345678901234567890, /readings\[1\]\.salt must be a string/],
  ])('a batch with a reading with %s is refused whole', async (_name, salt, message) => {
    const w = await standardWorld();
    const good = { ...signReading(w.meters['m-2']!, { meterId: 'm-2', interval: T10, importWh: 1, exportWh: 2 }), salt: newSalt() };
    const before = w.ledger.fingerprint();
    const result = await submit(w, [good, reading(w, salt)]);
    expect(result.message).toMatch(/^INVALID_ARGUMENT: /);
    expect(result.message).toMatch(message);
    expect(result.attemptedWrites).toBe(0);
    expect(w.ledger.fingerprint()).toBe(before);
  });
});

describe('account balances', () => {
  const balance = (w: World, who: TestIdentity, account: string) => w.ledger.evaluate(who, 'money:GetAccountBalance', [account]);

  test("a household's account: its members, its retailer, the utility and auditors; not another retailer", async () => {
    const w = await standardWorld();
    ok(await deposit(w, 'h-1', 4_000));
    for (const who of [w.ids.owner, w.ids.member, w.ids.retailerAdmin, w.ids.utility, w.ids.auditor]) {
      expect(ok(await balance(w, who, 'household:h-1'))).toEqual({ account: 'household:h-1', balance: 4_000 });
    }
    for (const who of [w.ids.otherRetailer, w.ids.otherOwner, w.ids.stranger]) {
      expect((await balance(w, who, 'household:h-1')).message).toMatch(/^FORBIDDEN: caller may not read the balance of household h-1/);
    }
    // The other retailer still reads its own customer.
    expect(ok(await balance(w, w.ids.otherRetailer, 'household:h-3'))).toEqual({ account: 'household:h-3', balance: 0 });
  });

  test("a retailer's account: that retailer's staff, the utility and auditors", async () => {
    const w = await standardWorld();
    for (const who of [w.ids.retailerAdmin, w.ids.retailerAttrAdmin, w.ids.utility, w.ids.auditor]) {
      expect(ok(await balance(w, who, 'retailer:RetailerMSP'))).toMatchObject({ account: 'retailer:RetailerMSP' });
    }
    for (const who of [w.ids.otherRetailer, w.ids.owner, w.ids.stranger]) {
      expect((await balance(w, who, 'retailer:RetailerMSP')).message).toMatch(/^FORBIDDEN: /);
    }
  });

  test("the utility's account: the utility and auditors", async () => {
    const w = await standardWorld();
    for (const who of [w.ids.utility, w.ids.auditor]) expect(ok(await balance(w, who, 'utility'))).toMatchObject({ account: 'utility' });
    for (const who of [w.ids.retailerAdmin, w.ids.otherRetailer, w.ids.owner]) {
      expect((await balance(w, who, 'utility')).message).toMatch(/^FORBIDDEN: /);
    }
  });

  test('an unknown household account is NOT_FOUND, as the household is', async () => {
    const w = await standardWorld();
    expect((await balance(w, w.ids.utility, 'household:h-404')).message).toMatch(/^NOT_FOUND: household h-404 does not exist/);
  });
});

describe('trades', () => {
  const list = (w: World, who: TestIdentity, query: Record<string, string>) => w.ledger.evaluate(who, 'market:ListTrades', [JSON.stringify(query)]);

  test("a household's trades: not for another retailer, nor another household", async () => {
    const w = await standardWorld();
    ok(await deposit(w, 'h-2', 100_000));
    ok(await placeOrder(w, w.ids.owner, { idempotencyKey: 's', householdId: 'h-1', side: 'sell', energyWh: 500, limitPrice: 1000 }));
    ok(await placeOrder(w, w.ids.otherOwner, { idempotencyKey: 'b', householdId: 'h-2', side: 'buy', energyWh: 500, limitPrice: 2000 }));
    ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
    for (const who of [w.ids.owner, w.ids.member, w.ids.retailerAdmin, w.ids.utility, w.ids.auditor]) {
      expect(ok<{ trades: unknown[] }>(await list(w, who, { householdId: 'h-1' })).trades).toHaveLength(1);
    }
    for (const who of [w.ids.otherRetailer, w.ids.otherOwner, w.ids.stranger]) {
      expect((await list(w, who, { householdId: 'h-1' })).message).toMatch(/^FORBIDDEN: caller may not read the trades of household h-1/);
      expect((await list(w, who, { householdId: 'h-1', interval: T10 })).message).toMatch(/^FORBIDDEN: /);
    }
    // Unfiltered, staff see every trade, pseudonymous: no household IDs in it.
    const all = ok<{ trades: Record<string, unknown>[] }>(await list(w, w.ids.otherRetailer, {})).trades;
    expect(all).toHaveLength(1);
    expect(JSON.stringify(all)).not.toMatch(/h-1|h-2/);
  });
});
