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
