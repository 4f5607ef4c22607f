/**
 * A meter cannot deliver more than it can export in an interval. PlaceOrder checks each sell order
 * alone (it reads nothing beyond its own household, so it cannot see the meter's other orders);
 * clearing then admits each meter's sell orders in time priority while their cumulative energy
 * fits the meter's export capacity for the interval. An order that does not fit is left out, and a
 * later, smaller one may still fit — the same rule as funding of buy orders.
 */
import { compareStrings } from '../market';
import type { MeterTerms, OrderRecord } from '../ledger/model';
import type { Ledger } from '../ledger/repositories';
import type { HouseholdLookup } from './funding';
import { capacityWh } from './meters';
import { priorityOf } from './orderTerms';

/** Sell orders (IDs) that exceed their meter's export capacity together with earlier ones. */
export async function selectOverCapacitySells(
  ledger: Ledger,
  open: readonly OrderRecord[],
  intervalSeconds: number,
  householdOf: HouseholdLookup,
): Promise<Set<string>> {
  const excluded = new Set<string>();
  const left = new Map<string, number>();
  const sells = open
    .filter((o) => o.side === 'sell' && o.meterId !== undefined)
    .sort((a, b) => compareStrings(priorityOf(a), priorityOf(b)) || compareStrings(a.orderId, b.orderId));
  for (const order of sells) {
    const meterId = order.meterId as string;
    let capacity = left.get(meterId);
    if (capacity === undefined) {
      const terms = await meterTermsOf(ledger, householdOf, order.householdId, meterId);
      capacity = terms ? capacityWh(terms.exportCapacityW, intervalSeconds) : 0;
    }
    if (order.energyWh > capacity) excluded.add(order.orderId);
    else capacity -= order.energyWh;
    left.set(meterId, capacity);
  }
  return excluded;
}

/**
 * The meter's terms as PlaceOrder reads them: from its household's meterTerms, or from the meter
 * record for a household stored before it kept them. Undefined (no capacity) for a meter that is
 * not the household's.
 */
async function meterTermsOf(ledger: Ledger, householdOf: HouseholdLookup, householdId: string, meterId: string): Promise<MeterTerms | undefined> {
  const household = await householdOf(householdId);
  if (!household || !household.meters.includes(meterId)) return undefined;
  const kept = household.meterTerms?.[meterId];
  if (kept) return kept;
  const meter = await ledger.meters.find(meterId);
  return meter && meter.householdId === householdId ? meter : undefined;
}

