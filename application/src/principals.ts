import type { IdentityStore, StoredIdentity } from './identity';
import type { EventHub } from './fabric/event-hub';
import type { Ledger } from './fabric/ledger';

export type Role = StoredIdentity['role'];

/** `consortium:WhoAmI`: how the chaincode sees an identity. */
export interface WhoAmI {
  mspId: string;
  id: string;
  role: 'utility' | 'retailer' | 'household' | 'auditor' | 'none';
  householdId?: string;
  memberRole?: 'owner' | 'member';
  canTrade?: boolean;
}

/** The authenticated caller: the stored identity plus, for household members, their binding. */
export interface Principal {
  userId: string;
  mspId: string;
  role: Role;
  householdId?: string;
  memberRole?: 'owner' | 'member';
  canTrade?: boolean;
}

/** Well-known gateway users created at bootstrap. */
export const UTILITY_ADMIN = 'utility-admin';
export const RETAILER_ADMIN = 'retailer-admin';
/** Created only when the connection profile names an auditor organization. */
export const AUDITOR = 'auditor';

/**
 * How long a member's binding is trusted without asking the ledger again. Changes reach the cache
 * sooner: this gateway forgets a binding it changes, and the app drops one when a membership event
 * (below) arrives from the ledger; the time limit covers events missed while the listener was down.
 * The binding only routes requests and gives early errors — the chaincode authorizes every
 * transaction against the ledger itself. (A short limit made every member's next request evaluate
 * WhoAmI again, a measurable share of the ledger's work under load.)
 */
const BINDING_TTL_MS = 300_000;

/** Chaincode events after which a member's binding (household, role, trading) may have changed. */
const MEMBERSHIP_EVENTS: ReadonlySet<string> = new Set(['MemberAdded', 'MemberRemoved', 'MemberUpdated']);

/**
 * A membership change on the ledger (through this gateway or any other) drops that user's cached
 * binding as soon as its event arrives, so the user's next request asks the ledger again.
 */
export function forgetBindingsOnMembershipEvents(hub: Pick<EventHub, 'subscribe'>, principals: Pick<PrincipalResolver, 'forget'>): () => void {
  return hub.subscribe((event) => {
    const userId = event.payload.userId;
    if (MEMBERSHIP_EVENTS.has(event.type) && typeof userId === 'string') principals.forget(userId);
  });
}

/**
 * Resolves gateway users to principals. A household member's household comes from the ledger
 * (WhoAmI as that member), the authority on bindings; it is cached (see BINDING_TTL_MS).
 */
export class PrincipalResolver {
  readonly #bindings = new Map<string, { at: number; who: WhoAmI }>();

  constructor(
    private readonly identities: IdentityStore,
    private readonly ledger: Ledger,
  ) {}

  async resolve(userId: string): Promise<Principal | undefined> {
    const stored: StoredIdentity | undefined = await this.identities.get(userId);
    if (!stored) return undefined;
    const principal: Principal = { userId: stored.userId, mspId: stored.mspId, role: stored.role };
    if (stored.role === 'household') {
      const who = await this.whoAmI(userId);
      if (who.householdId) {
        principal.householdId = who.householdId;
        if (who.memberRole) principal.memberRole = who.memberRole;
        principal.canTrade = who.canTrade ?? who.memberRole === 'owner';
      }
    }
    return principal;
  }

  async whoAmI(userId: string, fresh = false): Promise<WhoAmI> {
    const cached = this.#bindings.get(userId);
    if (!fresh && cached && Date.now() - cached.at < BINDING_TTL_MS) return cached.who;
    const who = await this.ledger.evaluate<WhoAmI>(userId, 'consortium', 'WhoAmI');
    // Only cache bound members: an unbound one may be bound by the next request.
    if (who.householdId) this.#bindings.set(userId, { at: Date.now(), who });
    return who;
  }

  forget(userId: string): void {
    this.#bindings.delete(userId);
  }
}

/** Chaincode events after which a household's list of meters may have changed. */
const METER_EVENTS: ReadonlySet<string> = new Set(['MeterRegistered', 'MeterRetired']);

/**
 * Which retailer serves each household and which meters it has (for filtering events); learned
 * from the ledger. A household's retailer never changes; its meters are asked again after a meter
 * event for it (see forgetMetersOnMeterEvents).
 */
export class HouseholdDirectory {
  readonly #retailers = new Map<string, Promise<string | undefined>>();
  readonly #meters = new Map<string, Promise<ReadonlySet<string>>>();

  constructor(
    private readonly ledger: Ledger,
    private readonly readerUserId: string,
  ) {}

  retailerOf(householdId: string): Promise<string | undefined> {
    let retailer = this.#retailers.get(householdId);
    if (!retailer) {
      retailer = this.ledger
        .evaluate<{ retailer?: string }>(this.readerUserId, 'households', 'GetHousehold', { args: [householdId] })
        .then((h) => h.retailer)
        .catch(() => {
          this.#retailers.delete(householdId);
          return undefined;
        });
      this.#retailers.set(householdId, retailer);
    }
    return retailer;
  }

  /** The household's meter IDs; empty when the ledger cannot say (callers then show none). */
  metersOf(householdId: string): Promise<ReadonlySet<string>> {
    let meters = this.#meters.get(householdId);
    if (!meters) {
      meters = this.ledger
        .evaluate<{ meters?: unknown }>(this.readerUserId, 'households', 'GetHousehold', { args: [householdId] })
        .then((h) => new Set(Array.isArray(h.meters) ? h.meters.filter((m): m is string => typeof m === 'string') : []))
        .catch(() => {
          this.#meters.delete(householdId);
          return new Set<string>();
        });
      this.#meters.set(householdId, meters);
    }
    return meters;
  }

  forgetMeters(householdId: string): void {
    this.#meters.delete(householdId);
  }
}

/** A meter registered or retired drops its household's cached meter list as soon as the event arrives. */
export function forgetMetersOnMeterEvents(hub: Pick<EventHub, 'subscribe'>, directory: Pick<HouseholdDirectory, 'forgetMeters'>): () => void {
  return hub.subscribe((event) => {
    const householdId = event.payload.householdId;
    if (METER_EVENTS.has(event.type) && typeof householdId === 'string') directory.forgetMeters(householdId);
  });
}
