/** A whole interval on the ledger: onboarding to audit, through every contract. */
import { deposit, ok, placeOrder, signReading, standardWorld, T10, type World } from '../support/world';

describe('a full market interval', () => {
  let w: World;
  beforeAll(async () => {
    w = await standardWorld();
  });

  test('init, onboarding, members and meters are visible to the right people', async () => {
    const h1 = ok(await w.ledger.evaluate(w.ids.owner, 'households:GetHousehold', ['h-1']));
    expect(h1).toMatchObject({
      householdId: 'h-1',
      retailer: 'RetailerMSP',
      balance: 0,
      meters: ['m-1'],
      members: [
        { userId: 'alice', role: 'owner', canTrade: true },
        { userId: 'bob', role: 'member', canTrade: false },
      ],
    });
    expect(h1.privateDetailsHash).toMatch(/^[0-9a-f]{64}$/);
    const details = ok(await w.ledger.evaluate(w.ids.member, 'households:GetPrivateDetails', ['h-1']));
    expect(details).toEqual({ name: 'Resident of h-1', address: '1 Solar Way', email: 'h-1@example.org' });
    // PII lives only in the retailer's collection, never in public state.
    expect([...w.ledger.state.values()].some((v) => v.toString().includes('Solar Way'))).toBe(false);
    expect([...w.ledger.collection('RetailerMSPPrivateCollection').values()].some((v) => v.toString().includes('Solar Way'))).toBe(true);
  });

  test('deposits, orders, clearing, readings, settlement, certificates and audit', async () => {
    ok(await deposit(w, 'h-2', 100_000));
    ok(await deposit(w, 'h-3', 100_000));
    const sell = ok(await placeOrder(w, w.ids.owner, { idempotencyKey: 'k-sell', householdId: 'h-1', side: 'sell', energyWh: 2000, limitPrice: 1500 }));
    expect(sell).toMatchObject({ status: 'OPEN', meterId: 'm-1', zone: 'Z1' });
    expect(sell.orderId).toMatch(/^o-[0-9a-f]{32}$/);
    const buy = ok(await placeOrder(w, w.ids.otherOwner, { idempotencyKey: 'k-buy', householdId: 'h-2', side: 'buy', energyWh: 1500, limitPrice: 2500 }));

    const open = ok<{ orderBook: { bids: unknown[]; offers: unknown[] }; status: string; buyWh: number; sellWh: number }>(
      await w.ledger.evaluate(w.ids.stranger, 'market:GetInterval', [T10]),
    );
    expect(open).toMatchObject({ status: 'OPEN', buyWh: 1500, sellWh: 2000 });
    expect(open.orderBook).toEqual({ bids: [{ price: 2500, energyWh: 1500 }], offers: [{ price: 1500, energyWh: 2000 }] });

    const cleared = ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
    expect(cleared).toMatchObject({ interval: T10, status: 'CLEARED', trades: 1, tradedWh: 1500, clearingPrice: 2000 });
    expect(ok(await w.ledger.evaluate(w.ids.owner, 'market:GetOrder', [String(sell.orderId)]))).toMatchObject({ status: 'PARTIALLY_MATCHED', matchedWh: 1500 });
    expect(ok(await w.ledger.evaluate(w.ids.otherOwner, 'market:GetOrder', [String(buy.orderId)]))).toMatchObject({ status: 'MATCHED', matchedWh: 1500 });
    const trades = ok<{ trades: Record<string, unknown>[] }>(await w.ledger.evaluate(w.ids.owner, 'market:ListTrades', ['']));
    expect(trades.trades).toEqual([expect.objectContaining({ energyWh: 1500, price: 2000, zoneFrom: 'Z1', zoneTo: 'Z1' })]);

    const readings = [
      signReading(w.meters['m-1']!, { meterId: 'm-1', interval: T10, importWh: 0, exportWh: 1800 }),
      signReading(w.meters['m-2']!, { meterId: 'm-2', interval: T10, importWh: 1500, exportWh: 0 }),
    ];
    expect(ok(await w.ledger.submit(w.ids.utility, 'meters:SubmitReadings', [], { transient: { readings } }))).toEqual({ accepted: 2 });
    expect(ok(await w.ledger.evaluate(w.ids.owner, 'meters:GetReadings', ['m-1', '', '']))).toEqual({
      readings: [{ meterId: 'm-1', interval: T10, importWh: 0, exportWh: 1800 }],
    });

    const settled = ok(await w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T10]));
    expect(settled).toMatchObject({ interval: T10, status: 'SETTLED', households: 2, missingReadings: [] });
    expect(settled.moneyMoved).toBeGreaterThan(0);

    // Buyer paid 1500 Wh × 2000 /kWh = 3000 to the seller plus 1500 × 100 / 1000 = 150 grid fee.
    const statement = ok<{ balance: number; entries: { kind: string; amount: number }[] }>(
      await w.ledger.evaluate(w.ids.otherOwner, 'money:GetStatement', ['h-2']),
    );
    expect(statement.entries[0]).toMatchObject({ kind: 'deposit', amount: 100_000 });
    expect(statement.entries).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'trade', amount: -3000 }), expect.objectContaining({ kind: 'grid-fee', amount: -150 })]));
    expect(statement.balance).toBe(statement.entries.reduce((s, e) => s + e.amount, 0));

    // Money is conserved across every account.
    const accounts = ['household:h-1', 'household:h-2', 'household:h-3', 'utility', 'retailer:RetailerMSP', 'retailer:Retailer2MSP'];
    let total = 0;
    for (const account of accounts) total += ok<{ balance: number }>(await w.ledger.evaluate(w.ids.utility, 'money:GetAccountBalance', [account])).balance;
    expect(total).toBe(200_000);

    // The seller exported only 1800 of the 1500 sold + 500 offered: all 1500 sold are certified to the buyer.
    const certs = ok<{ certificates: { certificateId: string; energyWh: number; claimed: boolean; sellerMeterId: string }[] }>(
      await w.ledger.evaluate(w.ids.otherOwner, 'certificates:ListCertificates', ['h-2']),
    );
    expect(certs.certificates).toEqual([expect.objectContaining({ energyWh: 1500, claimed: false, sellerMeterId: 'm-1', zone: 'Z1' })]);
    const certificateId = certs.certificates[0]!.certificateId;
    expect(ok(await w.ledger.submit(w.ids.otherOwner, 'certificates:ClaimCertificate', [certificateId]))).toMatchObject({ claimed: true });

    const audit = ok(await w.ledger.evaluate(w.ids.auditor, 'audit:Conservation', ['', '']));
    expect(audit).toEqual({ ok: true, intervals: 1, energyImbalanceWh: 0, moneyImbalance: 0, problems: [] });
  });

  test('every committed transaction emitted exactly one event with canonical payload', () => {
    const names = w.ledger.committedEvents.map((e) => e.name);
    expect(names).toEqual(
      expect.arrayContaining(['ConsortiumInitialised', 'HouseholdOnboarded', 'MemberAdded', 'MeterRegistered', 'Deposited', 'OrderPlaced', 'IntervalCleared', 'ReadingsSubmitted', 'IntervalSettled', 'CertificateClaimed']),
    );
    const settled = w.ledger.committedEvents.find((e) => e.name === 'IntervalSettled');
    expect(settled?.payload).toMatchObject({ interval: T10, householdIds: ['h-1', 'h-2'] });
  });
});
