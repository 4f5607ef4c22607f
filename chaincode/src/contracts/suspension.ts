/**
 * A suspended household takes no part in the market. PlaceOrder refuses its new orders; clearing
 * leaves out the orders it placed before the suspension, so suspending an account also stops
 * trades already on the book. Clearing reads each household once (the same lookup serves export
 * capacity and funding), so this check costs no extra state read.
 */
import type { OrderRecord } from '../ledger/model';
import type { HouseholdLookup } from './funding';

/** Orders (IDs) of households that are suspended when the interval clears. */
export async function selectSuspendedOrders(open: readonly OrderRecord[], householdOf: HouseholdLookup): Promise<Set<string>> {
  const suspended = new Set<string>();
  for (const order of open) {
    const household = await householdOf(order.householdId);
    if (household?.suspended) suspended.add(order.orderId);
  }
  return suspended;
}
