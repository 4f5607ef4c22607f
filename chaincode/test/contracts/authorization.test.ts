/**
 * The authorization matrix: every role against every operation. Allowed callers succeed; everyone
 * else gets FORBIDDEN and the ledger does not change.
 */
import type { TestIdentity } from '../support/certs';
import { deposit, ok, placeOrder, signReading, standardWorld, T10, type Identities, type World } from '../support/world';

type Role = 'utility' | 'retailer' | 'otherRetailer' | 'owner' | 'member' | 'otherHousehold' | 'auditor' | 'stranger';
const ROLES: Role[] = ['utility', 'retailer', 'otherRetailer', 'owner', 'member', 'otherHousehold', 'auditor', 'stranger'];

function identityOf(ids: Identities, role: Role): TestIdentity {
  return {
    utility: ids.utility,
    retailer: ids.retailerAdmin,
    otherRetailer: ids.otherRetailer,
    owner: ids.owner,
    member: ids.member,
    otherHousehold: ids.otherOwner,
    auditor: ids.auditor,
    stranger: ids.stranger,
  }[role];
}

interface Call {
  fcn: string;
  args?: string[];
  transient?: Record<string, unknown>;
  submit?: boolean;
}

interface Row {
  op: string;
  allowed: Role[] | 'all';
  /** Builds the call once the world is prepared; may add state first. */
  call: (w: World, ctx: Prepared) => Call | Promise<Call>;
}

interface Prepared {
  orderId: string;
}

/** State every row may rely on: money for h-1 and an open buy order of h-1. */
async function prepare(w: World): Promise<Prepared> {
  ok(await deposit(w, 'h-1', 50_000));
  const order = ok<{ orderId: string }>(await placeOrder(w, w.ids.owner, { idempotencyKey: 'prep', householdId: 'h-1', side: 'buy', energyWh: 500, limitPrice: 2000 }));
  return { orderId: order.orderId };
}

/** A settled interval in which h-1 bought from h-2, so h-1 holds a certificate. */
async function settledWithCertificate(w: World): Promise<string> {
  ok(await placeOrder(w, w.ids.otherOwner, { idempotencyKey: 'sell', householdId: 'h-2', side: 'sell', energyWh: 500, limitPrice: 1000 }));
  ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
  const readings = [
    signReading(w.meters['m-1']!, { meterId: 'm-1', interval: T10, importWh: 500, exportWh: 0 }),
    signReading(w.meters['m-2']!, { meterId: 'm-2', interval: T10, importWh: 0, exportWh: 500 }),
  ];
  ok(await w.ledger.submit(w.ids.utility, 'meters:SubmitReadings', [], { transient: { readings } }));
  ok(await w.ledger.submit(w.ids.utility, 'settlement:SettleInterval', [T10]));
  const list = ok<{ certificates: { certificateId: string }[] }>(await w.ledger.evaluate(w.ids.owner, 'certificates:ListCertificates', ['h-1']));
  return list.certificates[0]!.certificateId;
}

const HOUSEHOLD_READERS: Role[] = ['utility', 'retailer', 'owner', 'member'];
const STAFF: Role[] = ['utility', 'retailer', 'otherRetailer', 'auditor'];

const MATRIX: Row[] = [
  { op: 'consortium:GetConsortium', allowed: 'all', call: () => ({ fcn: 'consortium:GetConsortium' }) },
  { op: 'consortium:WhoAmI', allowed: 'all', call: () => ({ fcn: 'consortium:WhoAmI' }) },
  {
    op: 'households:OnboardHousehold',
    allowed: ['retailer', 'otherRetailer'],
    call: () => ({ fcn: 'households:OnboardHousehold', args: [JSON.stringify({ householdId: 'h-new', displayName: 'New' })], submit: true }),
  },
  { op: 'households:GetHousehold', allowed: [...HOUSEHOLD_READERS, 'auditor'], call: () => ({ fcn: 'households:GetHousehold', args: ['h-1'] }) },
  // Retailer-private customer data: not the utility (PRODUCT roles), not auditors.
  { op: 'households:GetPrivateDetails', allowed: ['retailer', 'owner', 'member'], call: () => ({ fcn: 'households:GetPrivateDetails', args: ['h-1'] }) },
  { op: 'households:ListHouseholds', allowed: STAFF, call: () => ({ fcn: 'households:ListHouseholds' }) },
  {
    op: 'households:AddMember',
    allowed: ['retailer'],
    call: () => ({
      fcn: 'households:AddMember',
      args: [JSON.stringify({ householdId: 'h-1', userId: 'dan', role: 'member', mspId: 'RetailerMSP', identityId: 'x509::/OU=client/CN=dan::/C=US/O=retailer/CN=ca' })],
      submit: true,
    }),
  },
  { op: 'households:RemoveMember', allowed: ['retailer'], call: () => ({ fcn: 'households:RemoveMember', args: ['h-1', 'bob'], submit: true }) },
  { op: 'households:SetMemberTrading', allowed: ['retailer', 'owner'], call: () => ({ fcn: 'households:SetMemberTrading', args: ['h-1', 'bob', 'true'], submit: true }) },
  { op: 'households:SetSuspended', allowed: ['utility'], call: () => ({ fcn: 'households:SetSuspended', args: ['h-1', 'true'], submit: true }) },
  { op: 'households:SetCreditLimit', allowed: ['retailer'], call: () => ({ fcn: 'households:SetCreditLimit', args: ['h-1', '5000'], submit: true }) },
  {
    op: 'money:Deposit',
    allowed: ['retailer'],
    call: () => ({ fcn: 'money:Deposit', args: [JSON.stringify({ householdId: 'h-1', amount: 10, idempotencyKey: 'd-1' })], submit: true }),
  },
  {
    op: 'money:Withdraw',
    allowed: ['retailer'],
    call: () => ({ fcn: 'money:Withdraw', args: [JSON.stringify({ householdId: 'h-1', amount: 10, idempotencyKey: 'w-1' })], submit: true }),
  },
  { op: 'money:GetStatement', allowed: HOUSEHOLD_READERS, call: () => ({ fcn: 'money:GetStatement', args: ['h-1'] }) },
  { op: 'money:GetAccountBalance', allowed: [...HOUSEHOLD_READERS, 'auditor'], call: () => ({ fcn: 'money:GetAccountBalance', args: ['household:h-1'] }) },
  { op: 'money:GetAccountBalance (retailer)', allowed: ['utility', 'retailer', 'auditor'], call: () => ({ fcn: 'money:GetAccountBalance', args: ['retailer:RetailerMSP'] }) },
  { op: 'money:GetAccountBalance (utility)', allowed: ['utility', 'auditor'], call: () => ({ fcn: 'money:GetAccountBalance', args: ['utility'] }) },
  {
    op: 'meters:RegisterMeter',
    allowed: ['utility'],
    call: (w) => ({
      fcn: 'meters:RegisterMeter',
      args: [JSON.stringify({ meterId: 'm-new', householdId: 'h-1', zone: 'Z1', exportCapacityW: 1, importCapacityW: 1, publicKeyPem: w.meters['m-1']!.publicKeyPem })],
      submit: true,
    }),
  },
  { op: 'meters:RetireMeter', allowed: ['utility'], call: () => ({ fcn: 'meters:RetireMeter', args: ['m-1'], submit: true }) },
  { op: 'meters:GetMeter', allowed: HOUSEHOLD_READERS, call: () => ({ fcn: 'meters:GetMeter', args: ['m-1'] }) },
  {
    op: 'meters:SubmitReadings',
    allowed: ['utility'],
    call: (w) => ({
      fcn: 'meters:SubmitReadings',
      transient: { readings: [signReading(w.meters['m-1']!, { meterId: 'm-1', interval: T10, importWh: 1, exportWh: 2 })] },
      submit: true,
    }),
  },
  { op: 'meters:GetReadings', allowed: HOUSEHOLD_READERS, call: () => ({ fcn: 'meters:GetReadings', args: ['m-1', '', ''] }) },
  { op: 'market:GetMarketConfig', allowed: 'all', call: () => ({ fcn: 'market:GetMarketConfig' }) },
  { op: 'market:UpdateMarketConfig', allowed: ['utility'], call: () => ({ fcn: 'market:UpdateMarketConfig', args: ['{"kBps":4000}'], submit: true }) },
  {
    op: 'market:PlaceOrder',
    allowed: ['owner'],
    call: () => ({
      fcn: 'market:PlaceOrder',
      args: [JSON.stringify({ idempotencyKey: 'x', householdId: 'h-1', side: 'sell', interval: T10, energyWh: 100, limitPrice: 1000 })],
      submit: true,
    }),
  },
  { op: 'market:CancelOrder', allowed: ['owner'], call: (_w, p) => ({ fcn: 'market:CancelOrder', args: [p.orderId], submit: true }) },
  { op: 'market:GetOrder', allowed: HOUSEHOLD_READERS, call: (_w, p) => ({ fcn: 'market:GetOrder', args: [p.orderId] }) },
  { op: 'market:ListOrders', allowed: HOUSEHOLD_READERS, call: () => ({ fcn: 'market:ListOrders', args: ['{"householdId":"h-1"}'] }) },
  { op: 'market:GetInterval', allowed: 'all', call: () => ({ fcn: 'market:GetInterval', args: [T10] }) },
  { op: 'market:CloseInterval', allowed: ['utility'], call: () => ({ fcn: 'market:CloseInterval', args: [T10], submit: true }) },
  { op: 'market:ClearInterval', allowed: ['utility'], call: () => ({ fcn: 'market:ClearInterval', args: [T10], submit: true }) },
  { op: 'market:ListTrades', allowed: [...HOUSEHOLD_READERS, 'auditor'], call: () => ({ fcn: 'market:ListTrades', args: ['{"householdId":"h-1"}'] }) },
  // Unfiltered: staff see all (pseudonymous), a household member its own household's.
  { op: 'market:ListTrades (unfiltered)', allowed: [...STAFF, 'owner', 'member', 'otherHousehold'], call: () => ({ fcn: 'market:ListTrades', args: [''] }) },
  {
    op: 'settlement:SettleInterval',
    allowed: ['utility'],
    call: async (w) => {
      ok(await w.ledger.submit(w.ids.utility, 'market:ClearInterval', [T10]));
      return { fcn: 'settlement:SettleInterval', args: [T10], submit: true };
    },
  },
  { op: 'certificates:ListCertificates', allowed: HOUSEHOLD_READERS, call: () => ({ fcn: 'certificates:ListCertificates', args: ['h-1'] }) },
  {
    op: 'certificates:ClaimCertificate',
    allowed: ['owner'],
    call: async (w) => ({ fcn: 'certificates:ClaimCertificate', args: [await settledWithCertificate(w)], submit: true }),
  },
  { op: 'audit:Conservation', allowed: STAFF, call: () => ({ fcn: 'audit:Conservation', args: ['', ''] }) },
];

describe.each(MATRIX)('$op', (row) => {
  test.each(ROLES)('as %s', async (role) => {
    const w = await standardWorld();
    const prepared = await prepare(w);
    const call = await row.call(w, prepared);
    const identity = identityOf(w.ids, role);
    const before = w.ledger.fingerprint();
    const result = call.submit
      ? await w.ledger.submit(identity, call.fcn, call.args ?? [], { transient: call.transient })
      : await w.ledger.evaluate(identity, call.fcn, call.args ?? [], { transient: call.transient });
    const allowed = row.allowed === 'all' || row.allowed.includes(role);
    if (allowed) {
      expect(result.message).toBe('');
      expect(result.ok).toBe(true);
      if (call.submit) expect(result.writes).toBeGreaterThan(0);
    } else {
      expect(result.message).toMatch(/^FORBIDDEN: /);
      expect(w.ledger.fingerprint()).toBe(before);
    }
  });
});

test('staff roles need the attribute or the admin OU: a utility client without the operator role is refused', async () => {
  const w = await standardWorld();
  const result = await w.ledger.submit(w.ids.utilityClient, 'market:CloseInterval', [T10]);
  expect(result.message).toMatch(/^FORBIDDEN: only the utility operator/);
  expect(ok(await w.ledger.submit(w.ids.utilityAdmin, 'market:CloseInterval', [T10]))).toMatchObject({ status: 'CLOSED' });
  const attrAdmin = await w.ledger.submit(w.ids.retailerAttrAdmin, 'households:SetCreditLimit', ['h-1', '10']);
  expect(ok(attrAdmin)).toMatchObject({ creditLimit: 10 });
});

test('a member granted trading may trade; the retailer may not trade for its customer', async () => {
  const w = await standardWorld();
  const order = { idempotencyKey: 'm', householdId: 'h-1', side: 'sell', energyWh: 100, limitPrice: 1000 };
  expect((await placeOrder(w, w.ids.member, order)).message).toMatch(/^FORBIDDEN: member bob may not trade/);
  ok(await w.ledger.submit(w.ids.owner, 'households:SetMemberTrading', ['h-1', 'bob', 'true']));
  expect(ok(await placeOrder(w, w.ids.member, order))).toMatchObject({ status: 'OPEN' });
  expect((await placeOrder(w, w.ids.retailerAdmin, { ...order, idempotencyKey: 'r' })).message).toMatch(/^FORBIDDEN/);
});

test('a removed member loses access at once', async () => {
  const w = await standardWorld();
  ok(await w.ledger.submit(w.ids.retailerAdmin, 'households:RemoveMember', ['h-1', 'bob']));
  expect((await w.ledger.evaluate(w.ids.member, 'households:GetHousehold', ['h-1'])).message).toMatch(/^FORBIDDEN/);
  expect(ok(await w.ledger.evaluate(w.ids.member, 'consortium:WhoAmI'))).toMatchObject({ role: 'none' });
  // Order placement finds the caller in the household record, not through the binding: it must refuse too.
  const order = { idempotencyKey: 'gone', householdId: 'h-1', side: 'buy', energyWh: 100, limitPrice: 1000 };
  expect((await placeOrder(w, w.ids.member, order)).message).toMatch(/^FORBIDDEN: caller is not a member of household h-1/);
});

test('retailers list only their own customers; the utility lists all', async () => {
  const w = await standardWorld();
  const ids = async (who: TestIdentity) =>
    ok<{ households: { householdId: string }[] }>(await w.ledger.evaluate(who, 'households:ListHouseholds')).households.map((h) => h.householdId);
  expect(await ids(w.ids.retailerAdmin)).toEqual(['h-1', 'h-2']);
  expect(await ids(w.ids.otherRetailer)).toEqual(['h-3']);
  expect(await ids(w.ids.utility)).toEqual(['h-1', 'h-2', 'h-3']);
});

test('the admin OU is read from the certificate: a CN that spells "/OU=admin" gains nothing', async () => {
  const w = await standardWorld();
  const { createCa, issueIdentity } = await import('../support/certs');
  const ca = await createCa('UtilityMSP', 'utility.gridshare.local');
  const sneaky = await issueIdentity(ca, { cn: 'a/b/OU=admin', ou: 'client' });
  const me = ok<{ id: string; role: string }>(await w.ledger.evaluate(sneaky, 'consortium:WhoAmI'));
  expect(me.id).toContain('/OU=admin');
  expect(me.role).toBe('none');
  expect((await w.ledger.submit(sneaky, 'market:CloseInterval', [T10])).message).toMatch(/^FORBIDDEN/);
});
