import type { LedgerEvent } from '../../fabric/event-hub';
import type { HouseholdDirectory, Principal } from '../../principals';

/** Events about the market as a whole, which every participant may see. */
const MARKET_WIDE = new Set(['IntervalClosed', 'IntervalCleared', 'IntervalSettled', 'MarketConfigUpdated', 'ConsortiumInitialised']);

/** The households an event concerns, from the domain IDs in its payload. */
export function householdsOf(event: LedgerEvent): string[] {
  const ids: string[] = [];
  const { householdId, householdIds } = event.payload;
  if (typeof householdId === 'string') ids.push(householdId);
  if (Array.isArray(householdIds)) for (const id of householdIds) if (typeof id === 'string') ids.push(id);
  return ids;
}

/**
 * Whether the caller may see an event: the utility and auditors see everything public; a
 * retailer its customers' events; a household member its own household's; everyone the
 * market-wide ones.
 */
export async function isVisible(user: Principal, event: LedgerEvent, directory: HouseholdDirectory): Promise<boolean> {
  if (user.role === 'utility-admin' || user.role === 'auditor') return true;
  if (MARKET_WIDE.has(event.type)) return true;
  const households = householdsOf(event);
  if (user.role === 'household') return user.householdId !== undefined && households.includes(user.householdId);
  for (const id of households) if ((await directory.retailerOf(id)) === user.mspId) return true;
  return false;
}

/** The meters of a household member's own household (none for other callers). */
export async function ownMeterIds(user: Principal, directory: HouseholdDirectory): Promise<ReadonlySet<string>> {
  return user.role === 'household' && user.householdId !== undefined ? directory.metersOf(user.householdId) : new Set();
}

/**
 * The event as the caller may see it. Market-wide events name every household that traded
 * (`householdIds`) and the meters whose readings were missing (`missingReadings`); a household
 * member sees only its own household and meters among them. Staff see events as they are.
 */
export async function asSeenBy(user: Principal, event: LedgerEvent, directory: HouseholdDirectory): Promise<LedgerEvent> {
  if (user.role !== 'household') return event;
  const { householdIds, missingReadings } = event.payload;
  if (!Array.isArray(householdIds) && !Array.isArray(missingReadings)) return event;
  const payload = { ...event.payload };
  if (Array.isArray(householdIds)) payload.householdIds = householdIds.filter((id) => id === user.householdId);
  if (Array.isArray(missingReadings)) {
    const own = await ownMeterIds(user, directory);
    payload.missingReadings = missingReadings.filter((meterId) => typeof meterId === 'string' && own.has(meterId));
  }
  return { ...event, payload };
}
