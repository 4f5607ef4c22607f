/** The simulated neighbourhood: households, their meters and zones, and the market they trade in. */
import { householdTraits, type HouseholdTraits } from '../core/profiles';
import { newMeterKey, type MeterKey } from '../core/meter-keys';

export type Mechanism = 'pay-as-clear' | 'pay-as-bid' | 'sdr' | 'rotate';
export const MECHANISMS: readonly Mechanism[] = ['pay-as-clear', 'pay-as-bid', 'sdr', 'rotate'];
/** The ledger's mechanisms; `rotate` cycles through them interval by interval. */
export const LEDGER_MECHANISMS = ['pay-as-clear', 'pay-as-bid', 'sdr'] as const;

export interface SimHousehold {
  index: number;
  householdId: string;
  ownerUserId: string;
  meterId: string;
  zone: string;
  traits: HouseholdTraits;
  meterKey: MeterKey;
  /** Owner's bearer token, once logged in. */
  token?: string;
}

export interface MarketSettings {
  intervalSeconds: number;
  mechanism: Mechanism;
  feedInTariff: number;
  retailTariff: number;
  gridFeeLocal: number;
  gridFeeCrossZone: number;
  zones: Array<{ zone: string; transferLimitWh: number }>;
}

export interface NeighbourhoodPlan {
  seed: number;
  /** Prefix of every household, member and meter ID (keeps re-runs on one ledger apart). */
  idPrefix: string;
  households: SimHousehold[];
  market: MarketSettings;
  /** Money deposited into each household before trading, money units. */
  depositPerHousehold: number;
}

export interface PlanOptions {
  seed: number;
  households: number;
  zones: number;
  mechanism: Mechanism;
  idPrefix?: string;
  intervalSeconds?: number;
}

export function zoneName(i: number): string {
  return `zone-${String.fromCharCode(97 + (i % 26))}${i >= 26 ? Math.floor(i / 26) : ''}`;
}

export function planNeighbourhood(o: PlanOptions): NeighbourhoodPlan {
  const pad = String(o.households).length;
  const prefix = o.idPrefix ?? '';
  const zones = Array.from({ length: Math.max(1, o.zones) }, (_, i) => zoneName(i));
  const households: SimHousehold[] = Array.from({ length: o.households }, (_, i) => {
    const n = String(i + 1).padStart(pad, '0');
    return {
      index: i,
      householdId: `${prefix}h-${n}`,
      ownerUserId: `${prefix}owner-${n}`,
      meterId: `${prefix}m-${n}`,
      zone: zones[i % zones.length] as string,
      traits: householdTraits(o.seed, i),
      meterKey: newMeterKey(),
    };
  });
  const perZone = Math.ceil(o.households / zones.length);
  return {
    seed: o.seed,
    idPrefix: prefix,
    households,
    // Money units per kWh at moneyScale 10000: feed-in 0.08, retail 0.30, fees 0.01/0.03 per kWh.
    market: {
      intervalSeconds: o.intervalSeconds ?? 900,
      mechanism: o.mechanism,
      feedInTariff: 800,
      retailTariff: 3000,
      gridFeeLocal: 100,
      gridFeeCrossZone: 300,
      // A feeder can pass on about 60 Wh per household per interval: enough to matter, small enough to bind.
      zones: zones.map((zone) => ({ zone, transferLimitWh: 60 * perZone })),
    },
    depositPerHousehold: 2_000_000, // 200.0000 in currency units
  };
}

export function mechanismFor(settings: MarketSettings, intervalIndex: number): (typeof LEDGER_MECHANISMS)[number] {
  if (settings.mechanism !== 'rotate') return settings.mechanism;
  return LEDGER_MECHANISMS[intervalIndex % LEDGER_MECHANISMS.length] as (typeof LEDGER_MECHANISMS)[number];
}
