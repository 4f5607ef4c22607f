/** Bad input is refused with INVALID_ARGUMENT naming the field, and changes nothing. */
import { ok, placeOrder, standardWorld, T10, type World } from '../support/world';

let w: World;
beforeAll(async () => {
  w = await standardWorld();
  ok(await placeOrder(w, w.ids.owner, { idempotencyKey: 'base', householdId: 'h-1', side: 'buy', energyWh: 100, limitPrice: 1000 }));
});

const order = { idempotencyKey: 'k', householdId: 'h-1', side: 'buy', interval: T10, energyWh: 100, limitPrice: 1000 };
const money = { householdId: 'h-1', amount: 100, idempotencyKey: 'k' };
const meter = (pem: string) => ({ meterId: 'm-9', householdId: 'h-1', zone: 'Z1', exportCapacityW: 1, importCapacityW: 1, publicKeyPem: pem });

type Who = 'utility' | 'retailer' | 'owner';
const CASES: [string, Who, string, string[], RegExp][] = [
  // orders
  ['negative energy', 'owner', 'market:PlaceOrder', [JSON.stringify({ ...order, energyWh: -1 })], /energyWh must be at least 1, got -1/],
  ['zero energy', 'owner', 'market:PlaceOrder', [JSON.stringify({ ...order, energyWh: 0 })], /energyWh must be at least 1/],
  ['fractional energy', 'owner', 'market:PlaceOrder', [JSON.stringify({ ...order, energyWh: 1.5 })], /energyWh must be an integer, got 1.5/],
  ['huge energy', 'owner', 'market:PlaceOrder', ['{"idempotencyKey":"k","householdId":"h-1","side":"buy","interval":"2026-11-21T10:00:00Z","energyWh":1e300,"limitPrice":1000}'], /energyWh must be at most/],
  ['unsafe integer price', 'owner', 'market:PlaceOrder', [JSON.stringify({ ...order, limitPrice: 2 ** 53 })], /limitPrice must be at most 1000000000/],
  ['string energy', 'owner', 'market:PlaceOrder', [JSON.stringify({ ...order, energyWh: '100' })], /energyWh must be a number, got string/],
  ['missing price', 'owner', 'market:PlaceOrder', [JSON.stringify({ ...order, limitPrice: undefined })], /limitPrice is required/],
  ['bad side', 'owner', 'market:PlaceOrder', [JSON.stringify({ ...order, side: 'short' })], /side must be one of buy, sell/],
  ['unaligned interval', 'owner', 'market:PlaceOrder', [JSON.stringify({ ...order, interval: '2026-11-21T10:05:00Z' })], /not the start of a 900-second interval/],
  ['non-ISO interval', 'owner', 'market:PlaceOrder', [JSON.stringify({ ...order, interval: '2026-11-21 10:00' })], /interval must be a UTC time named YYYY-MM-DDTHH:MM:SSZ/],
  ['impossible date', 'owner', 'market:PlaceOrder', [JSON.stringify({ ...order, interval: '2026-02-30T10:00:00Z' })], /is not a real UTC time/],
  ['unknown field', 'owner', 'market:PlaceOrder', [JSON.stringify({ ...order, price: 3 })], /unknown field "price"/],
  ['not JSON', 'owner', 'market:PlaceOrder', ['{oops'], /order is not valid JSON/],
  ['JSON array', 'owner', 'market:PlaceOrder', ['[]'], /order must be a JSON object/],
  ['bad id characters', 'owner', 'market:PlaceOrder', [JSON.stringify({ ...order, idempotencyKey: 'a b' })], /idempotencyKey "a b" must be 1-128 characters/],
  ['NUL in id', 'owner', 'market:PlaceOrder', [JSON.stringify({ ...order, idempotencyKey: 'a\u0000' })], /idempotencyKey/],
  ['empty order ID', 'owner', 'market:CancelOrder', [''], /orderId "" must be/],
  // money
  ['negative deposit', 'retailer', 'money:Deposit', [JSON.stringify({ ...money, amount: -5 })], /amount must be at least 1, got -5/],
  ['fractional deposit', 'retailer', 'money:Deposit', [JSON.stringify({ ...money, amount: 0.5 })], /amount must be an integer/],
  ['huge deposit', 'retailer', 'money:Deposit', [JSON.stringify({ ...money, amount: 1e16 })], /amount must be at most 1000000000000000/],
  ['missing key', 'retailer', 'money:Withdraw', [JSON.stringify({ ...money, idempotencyKey: undefined })], /idempotencyKey is required/],
  ['string amount', 'retailer', 'money:Deposit', [JSON.stringify({ ...money, amount: '100' })], /amount must be a number/],
  ['credit limit not a number', 'retailer', 'households:SetCreditLimit', ['h-1', '12abc'], /amount must be a decimal integer string/],
  ['negative credit limit', 'retailer', 'households:SetCreditLimit', ['h-1', '-1'], /amount must be at least 0/],
  ['flag not boolean', 'retailer', 'households:SetMemberTrading', ['h-1', 'bob', 'yes'], /canTrade must be "true" or "false"/],
  ['bad account', 'utility', 'money:GetAccountBalance', ['bank'], /account must be utility, retailer:<mspId> or household:<householdId>/],
  // households
  ['missing display name', 'retailer', 'households:OnboardHousehold', ['{"householdId":"h-9"}'], /displayName is required/],
  ['bad role', 'retailer', 'households:AddMember', [JSON.stringify({ householdId: 'h-1', userId: 'z', role: 'admin', mspId: 'RetailerMSP', identityId: 'x509::a::b' })], /role must be one of owner, member/],
  ['identity not x509', 'retailer', 'households:AddMember', [JSON.stringify({ householdId: 'h-1', userId: 'z', role: 'member', mspId: 'RetailerMSP', identityId: 'alice' })], /identityId must be a ClientIdentity ID/],
  ['member of another MSP', 'retailer', 'households:AddMember', [JSON.stringify({ householdId: 'h-1', userId: 'z', role: 'member', mspId: 'UtilityMSP', identityId: 'x509::a::b' })], /must be identities of its retailer RetailerMSP/],
  // meters and market
  ['bad public key', 'utility', 'meters:RegisterMeter', [JSON.stringify(meter('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'))], /publicKeyPem must be an ECDSA P-256 public key/],
  ['negative capacity', 'utility', 'meters:RegisterMeter', [JSON.stringify({ ...meter('x'), exportCapacityW: -1 })], /publicKeyPem|exportCapacityW/],
  ['bad interval bound', 'utility', 'meters:GetReadings', ['m-1', 'yesterday', ''], /from must be a UTC time/],
  ['k out of range', 'utility', 'market:UpdateMarketConfig', ['{"kBps":10001}'], /kBps must be at most 10000/],
  ['feed-in above retail', 'utility', 'market:UpdateMarketConfig', ['{"feedInTariff":5000}'], /feedInTariff 5000 exceeds retailTariff 3000/],
  ['unknown mechanism', 'utility', 'market:UpdateMarketConfig', ['{"mechanism":"lottery"}'], /mechanism must be one of/],
  ['interval not dividing a day', 'utility', 'market:UpdateMarketConfig', ['{"intervalSeconds":7}'], /intervalSeconds must be at least 60/],
  ['duplicate zone', 'utility', 'market:UpdateMarketConfig', ['{"zones":[{"zone":"A","transferLimitWh":1},{"zone":"A","transferLimitWh":2}]}'], /zone A is listed twice/],
  ['read-only field', 'utility', 'market:UpdateMarketConfig', ['{"moneyScale":1}'], /unknown field "moneyScale"/],
  ['bad interval to clear', 'utility', 'market:ClearInterval', ['tomorrow'], /interval must be a UTC time/],
  ['bad list filter', 'owner', 'market:ListOrders', ['{"interval":"x"}'], /interval must be a UTC time/],
];

test.each(CASES)('%s is refused', async (_name, who, fcn, args, message) => {
  const identity = { utility: w.ids.utility, retailer: w.ids.retailerAdmin, owner: w.ids.owner }[who];
  const before = w.ledger.fingerprint();
  const result = await w.ledger.submit(identity, fcn, args);
  expect(result.ok).toBe(false);
  expect(result.message).toMatch(/^INVALID_ARGUMENT: /);
  expect(result.message).toMatch(message);
  expect(result.attemptedWrites).toBe(0);
  expect(w.ledger.fingerprint()).toBe(before);
});

test('private details in transient data are validated too', async () => {
  const before = w.ledger.fingerprint();
  const result = await w.ledger.submit(w.ids.retailerAdmin, 'households:OnboardHousehold', ['{"householdId":"h-9","displayName":"x"}'], {
    transient: { privateDetails: { name: 'n', address: 'a', email: 'not-an-address' } },
  });
  expect(result.message).toMatch(/^INVALID_ARGUMENT: email is not an e-mail address/);
  expect(w.ledger.fingerprint()).toBe(before);
});
