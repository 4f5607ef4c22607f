/**
 * Onboarding through the gateway API, as the consortium's staff would do it:
 * the utility sets the market (operator clock, zones, transfer limits); the retailer onboards each
 * household, adds its owner and deposits money; the utility registers the household's meter with
 * the meter's public key. Each owner then logs in.
 */
import type { ApiClient } from '../core/api-client';
import { mapPool } from '../core/pool';
import type { NeighbourhoodPlan, SimHousehold } from './model';
import { mechanismFor } from './model';

export interface StaffTokens {
  utilityAdmin: string;
  retailerAdmin: string;
}

/** Market configuration as `GET /v1/market/config` reports it. */
export interface MarketConfig {
  intervalSeconds: number;
  clock: 'wall' | 'operator';
  mechanism: string;
  k: number;
  feedInTariff: number;
  retailTariff: number;
  gridFeeLocal: number;
  gridFeeCrossZone: number;
  moneyScale: number;
  priceUnit: string;
  zones: Array<{ zone: string; transferLimitWh: number }>;
}

export async function staffLogin(api: ApiClient): Promise<StaffTokens> {
  const [utilityAdmin, retailerAdmin] = await Promise.all([api.login('utility-admin'), api.login('retailer-admin')]);
  return { utilityAdmin, retailerAdmin };
}

export async function configureMarket(api: ApiClient, tokens: StaffTokens, plan: NeighbourhoodPlan): Promise<MarketConfig> {
  const m = plan.market;
  return api.put<MarketConfig>(
    '/v1/market/config',
    {
      clock: 'operator',
      intervalSeconds: m.intervalSeconds,
      mechanism: mechanismFor(m, 0),
      feedInTariff: m.feedInTariff,
      retailTariff: m.retailTariff,
      gridFeeLocal: m.gridFeeLocal,
      gridFeeCrossZone: m.gridFeeCrossZone,
      zones: m.zones,
    },
    { token: tokens.utilityAdmin },
  );
}

/** Onboards one household end to end; safe to repeat (existing records are accepted). */
export async function onboardHousehold(
  api: ApiClient,
  tokens: StaffTokens,
  h: SimHousehold,
  depositAmount: number,
  runTag: string,
): Promise<void> {
  const retailer = { token: tokens.retailerAdmin };
  await api.post(
    '/v1/households',
    {
      householdId: h.householdId,
      displayName: `Household ${h.index + 1}`,
      privateDetails: {
        name: `Resident ${h.index + 1}`,
        address: `${h.index + 1} Solar Lane, ${h.zone}`,
        email: `${h.ownerUserId}@example.org`,
      },
    },
    { ...retailer, acceptCodes: ['HOUSEHOLD_EXISTS'] },
  );
  await api.post(
    `/v1/households/${encodeURIComponent(h.householdId)}/members`,
    { userId: h.ownerUserId, role: 'owner' },
    { ...retailer, acceptCodes: ['MEMBER_EXISTS', 'ALREADY_EXISTS'] },
  );
  await api.post(
    '/v1/meters',
    {
      meterId: h.meterId,
      householdId: h.householdId,
      zone: h.zone,
      exportCapacityW: h.traits.exportCapacityW,
      importCapacityW: h.traits.importCapacityW,
      publicKeyPem: h.meterKey.publicKeyPem,
    },
    { token: tokens.utilityAdmin, acceptCodes: ['METER_EXISTS', 'ALREADY_EXISTS'] },
  );
  if (depositAmount > 0) {
    await api.post(
      `/v1/households/${encodeURIComponent(h.householdId)}/deposits`,
      { amount: depositAmount },
      { ...retailer, idempotencyKey: `${runTag}:deposit:${h.householdId}` },
    );
  }
  h.token = await api.login(h.ownerUserId);
}

export async function onboardNeighbourhood(
  api: ApiClient,
  tokens: StaffTokens,
  plan: NeighbourhoodPlan,
  concurrency: number,
  runTag: string,
  onProgress?: (done: number, total: number) => void,
): Promise<MarketConfig> {
  const config = await configureMarket(api, tokens, plan);
  let done = 0;
  await mapPool(plan.households, concurrency, async (h) => {
    await onboardHousehold(api, tokens, h, plan.depositPerHousehold, runTag);
    done++;
    if (onProgress && (done % 50 === 0 || done === plan.households.length)) onProgress(done, plan.households.length);
  });
  return config;
}
