/**
 * The demo seed for `npm start`: three households in two zones — owners alice, bob and carol —
 * each with a meter and money on account, and a few open orders in the next interval, so the API
 * has something to show. Safe to run on every start: existing records are kept, and the deposits
 * and orders carry fixed idempotency keys.
 */
import { ApiClient } from './core/api-client';
import { intervalName } from './core/intervals';
import { newMeterKey, type MeterKey } from './core/meter-keys';
import type { MarketConfig, StaffTokens } from './neighbourhood/onboard';

interface DemoHousehold {
  householdId: string;
  owner: string;
  displayName: string;
  zone: string;
  exportCapacityW: number;
  orders: Array<{ side: 'buy' | 'sell'; energyWh: number; /** share of the feed-in..retail spread */ at: number }>;
}

const DEMO_HOUSEHOLDS: readonly DemoHousehold[] = [
  { householdId: 'hh-alice', owner: 'alice', displayName: 'Alice (rooftop PV)', zone: 'zone-a', exportCapacityW: 6000, orders: [{ side: 'sell', energyWh: 800, at: 0.3 }] },
  { householdId: 'hh-bob', owner: 'bob', displayName: 'Bob', zone: 'zone-a', exportCapacityW: 1000, orders: [{ side: 'buy', energyWh: 500, at: 0.6 }] },
  { householdId: 'hh-carol', owner: 'carol', displayName: 'Carol', zone: 'zone-b', exportCapacityW: 4000, orders: [{ side: 'buy', energyWh: 400, at: 0.5 }] },
];
const DEMO_ZONE_LIMIT_WH = 5000;
const DEMO_DEPOSIT = 500_000; // 50.0000 at moneyScale 10000

export interface DemoSeedResult {
  interval: string;
  households: string[];
  orders: string[];
  /** Meter keys of meters registered by this run (a meter that already existed keeps its key). */
  meterKeys: Record<string, MeterKey>;
}

/**
 * Seeds the demo neighbourhood through the gateway at `baseUrl`. Without `tokens`, logs the staff
 * in through dev login.
 */
export async function seedDemo(baseUrl: string, tokens?: StaffTokens, now: Date = new Date()): Promise<DemoSeedResult> {
  const api = new ApiClient(baseUrl, { maxRetries: 5 });
  const staff = tokens ?? { utilityAdmin: await api.login('utility-admin'), retailerAdmin: await api.login('retailer-admin') };
  const utility = { token: staff.utilityAdmin };
  const retailer = { token: staff.retailerAdmin };

  let config = await api.get<MarketConfig>('/v1/market/config', utility);
  const missingZones = [...new Set(DEMO_HOUSEHOLDS.map((h) => h.zone))].filter((z) => !config.zones.some((c) => c.zone === z));
  if (missingZones.length > 0) {
    config = await api.put<MarketConfig>(
      '/v1/market/config',
      { zones: [...config.zones, ...missingZones.map((zone) => ({ zone, transferLimitWh: DEMO_ZONE_LIMIT_WH }))] },
      utility,
    );
  }

  const intervalMs = config.intervalSeconds * 1000;
  const next = new Date((Math.floor(now.getTime() / intervalMs) + 1) * intervalMs).toISOString();
  const interval = intervalName(next, 0, config.intervalSeconds);
  const result: DemoSeedResult = { interval, households: [], orders: [], meterKeys: {} };

  for (const h of DEMO_HOUSEHOLDS) {
    await api.post(
      '/v1/households',
      {
        householdId: h.householdId,
        displayName: h.displayName,
        privateDetails: { name: h.owner[0]?.toUpperCase() + h.owner.slice(1), address: `${h.zone}, Demo Street`, email: `${h.owner}@example.org` },
      },
      { ...retailer, acceptCodes: ['HOUSEHOLD_EXISTS'] },
    );
    await api.post(`/v1/households/${h.householdId}/members`, { userId: h.owner, role: 'owner' }, { ...retailer, acceptCodes: ['MEMBER_EXISTS', 'ALREADY_EXISTS'] });
    const meterId = `m-${h.owner}`;
    const key = newMeterKey();
    const registered = await api.post<{ meterId?: string; code?: string }>(
      '/v1/meters',
      { meterId, householdId: h.householdId, zone: h.zone, exportCapacityW: h.exportCapacityW, importCapacityW: 12000, publicKeyPem: key.publicKeyPem },
      { ...utility, acceptCodes: ['METER_EXISTS', 'ALREADY_EXISTS'] },
    );
    if (!registered?.code) result.meterKeys[meterId] = key;
    await api.post(`/v1/households/${h.householdId}/deposits`, { amount: DEMO_DEPOSIT }, { ...retailer, idempotencyKey: `demo:deposit:${h.householdId}` });
    result.households.push(h.householdId);

    const owner = { token: await api.login(h.owner) };
    for (const [i, o] of h.orders.entries()) {
      const limitPrice = config.feedInTariff + Math.round((config.retailTariff - config.feedInTariff) * o.at);
      const order = await api.post<{ orderId: string }>(
        '/v1/orders',
        { householdId: h.householdId, side: o.side, interval, energyWh: o.energyWh, limitPrice },
        { ...owner, idempotencyKey: `demo:order:${h.householdId}:${interval}:${i}` },
      );
      result.orders.push(order.orderId);
    }
  }
  return result;
}
