import { createHash } from 'crypto';
import { Context, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '../ledger/canonical';
import { alreadyExists, forbidden, invalidArgument, notFound } from '../ledger/errors';
import { emitEvent } from '../ledger/events';
import type { HouseholdRecord, MemberRecord } from '../ledger/model';
import { hasTransient, transientJson } from '../ledger/privateData';
import type { Ledger, StoredPrivateDetails } from '../ledger/repositories';
import { isRetailerOf, memberOf, requireReadHousehold, requireReadPrivateDetails, requireRetailerOf, requireUtility } from './access';
import { GridshareContract } from './base';
import { fundsOf } from './funding';
import { newAddMemberRequest, newOnboardRequest, newPrivateDetails } from './requests';
import { booleanArg, identifier, integerArg } from './validate';
import { householdView, memberView } from './views';

/** Households (retailers' customers) and the certificate identities bound to them. */
@Info({ title: 'households', description: 'Households, members and private details' })
export class HouseholdsContract extends GridshareContract {
  constructor() {
    super('households');
  }

  /**
   * Onboards a customer household of the calling retailer. PII comes in transient `privateDetails`
   * with a secret salt and goes, salt included, to the retailer's private collection; the public
   * record keeps the salted hash.
   * @param {string} request JSON {"householdId","displayName","creditLimit"?}
   */
  @Transaction()
  @Returns('string')
  @Param('request', 'string', 'JSON {"householdId","displayName","creditLimit"?}')
  async OnboardHousehold(ctx: Context, request: string): Promise<string> {
    const input = newOnboardRequest(request);
    const details = hasTransient(ctx.stub, 'privateDetails') ? newPrivateDetails(transientJson(ctx.stub, 'privateDetails')) : undefined;
    const { ledger, caller } = await this.session(ctx);
    if (!caller.isRetailerAdmin) throw forbidden('only a retailer admin may onboard households');
    if (await ledger.households.find(input.householdId)) throw alreadyExists(`household ${input.householdId} already exists`);
    let privateDetailsHash: string | null = null;
    if (details) {
      privateDetailsHash = privateDetailsHashOf(details);
      await ledger.households.putPrivateDetails(caller.mspId, input.householdId, details);
    }
    const household: HouseholdRecord = {
      householdId: input.householdId,
      displayName: input.displayName,
      retailer: caller.mspId,
      creditLimit: input.creditLimit,
      suspended: false,
      members: [],
      meters: [],
      privateDetailsHash,
    };
    await ledger.households.put(household);
    emitEvent(ctx.stub, 'HouseholdOnboarded', { householdId: household.householdId, retailer: household.retailer });
    return canonicalJson(householdView(household, 0));
  }

  /** A household's public record with its balance, what is committed of it and what is available. */
  @Transaction(false)
  @Returns('string')
  @Param('householdId', 'string', 'household ID')
  async GetHousehold(ctx: Context, householdId: string): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    const household = await ledger.households.get(identifier(householdId, 'householdId'));
    requireReadHousehold(caller, household, 'the record', { auditor: true });
    const { balance, committed, available } = await fundsOf(ledger, household.householdId);
    return canonicalJson({ ...householdView(household, balance), committed, available });
  }

  /** Name, address and e-mail from the retailer's private collection: its retailer and members only. */
  @Transaction(false)
  @Returns('string')
  @Param('householdId', 'string', 'household ID')
  async GetPrivateDetails(ctx: Context, householdId: string): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    const household = await ledger.households.get(identifier(householdId, 'householdId'));
    requireReadPrivateDetails(caller, household);
    const stored = await ledger.households.findPrivateDetails(household.retailer, household.householdId);
    if (!stored) throw notFound(`household ${household.householdId} has no private details on this peer`);
    return canonicalJson({ name: stored.name, address: stored.address, email: stored.email });
  }

  /** Households visible to the caller: all for the utility and auditors, its customers for a retailer. */
  @Transaction(false)
  @Returns('string')
  async ListHouseholds(ctx: Context): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    if (!caller.isUtility && !caller.isRetailerAdmin && !caller.isAuditor) {
      throw forbidden('only the utility, retailers and auditors may list households');
    }
    const all = await ledger.households.list();
    const visible = caller.isUtility || caller.isAuditor ? all : all.filter((h) => isRetailerOf(caller, h));
    const households = [];
    for (const h of visible) households.push(householdView(h, await ledger.money.householdBalance(h.householdId)));
    return canonicalJson({ households });
  }

  /**
   * Binds a certificate identity (its ClientIdentity ID) to a household as owner or member.
   * @param {string} request JSON {"householdId","userId","role","mspId","identityId","canTrade"?}
   */
  @Transaction()
  @Returns('string')
  @Param('request', 'string', 'JSON {"householdId","userId","role","mspId","identityId","canTrade"?}')
  async AddMember(ctx: Context, request: string): Promise<string> {
    const input = newAddMemberRequest(request);
    const { ledger, caller } = await this.session(ctx);
    const household = await ledger.households.get(input.householdId);
    requireRetailerOf(caller, household, 'add members');
    if (input.mspId !== household.retailer) {
      throw invalidArgument(`members of household ${household.householdId} must be identities of its retailer ${household.retailer}`);
    }
    if (household.members.some((m) => m.userId === input.userId)) {
      throw alreadyExists(`user ${input.userId} is already a member of household ${household.householdId}`);
    }
    const bound = await ledger.households.findBinding(input.mspId, input.identityId);
    if (bound) throw alreadyExists(`identity is already bound to household ${bound.householdId} as ${bound.userId}`);
    const member: MemberRecord = {
      userId: input.userId,
      role: input.role,
      canTrade: input.canTrade,
      mspId: input.mspId,
      identityId: input.identityId,
    };
    await ledger.households.put({ ...household, members: [...household.members, member] });
    await ledger.households.putBinding(input.mspId, input.identityId, { householdId: household.householdId, userId: member.userId });
    emitEvent(ctx.stub, 'MemberAdded', { householdId: household.householdId, userId: member.userId, role: member.role });
    return canonicalJson(memberView(household.householdId, member));
  }

  /** Unbinds a member's identity from the household. */
  @Transaction()
  @Returns('string')
  @Param('householdId', 'string', 'household ID')
  @Param('userId', 'string', 'member user ID')
  async RemoveMember(ctx: Context, householdId: string, userId: string): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    const household = await ledger.households.get(identifier(householdId, 'householdId'));
    requireRetailerOf(caller, household, 'remove members');
    const member = this.#member(household, identifier(userId, 'userId'));
    await ledger.households.put({ ...household, members: household.members.filter((m) => m.userId !== member.userId) });
    await ledger.households.deleteBinding(member.mspId, member.identityId);
    emitEvent(ctx.stub, 'MemberRemoved', { householdId: household.householdId, userId: member.userId });
    return canonicalJson({ householdId: household.householdId, userId: member.userId, removed: true });
  }

  /** Grants or withdraws a member's right to trade (owners always trade). */
  @Transaction()
  @Returns('string')
  @Param('householdId', 'string', 'household ID')
  @Param('userId', 'string', 'member user ID')
  @Param('canTrade', 'string', '"true" or "false"')
  async SetMemberTrading(ctx: Context, householdId: string, userId: string, canTrade: string): Promise<string> {
    const allowed = booleanArg(canTrade, 'canTrade');
    const { ledger, caller } = await this.session(ctx);
    const household = await ledger.households.get(identifier(householdId, 'householdId'));
    if (!isRetailerOf(caller, household) && memberOf(caller, household)?.role !== 'owner') {
      throw forbidden(`only an owner or the retailer of household ${household.householdId} may change trading rights`);
    }
    const member = { ...this.#member(household, identifier(userId, 'userId')), canTrade: allowed };
    await ledger.households.put({ ...household, members: household.members.map((m) => (m.userId === member.userId ? member : m)) });
    emitEvent(ctx.stub, 'MemberUpdated', { householdId: household.householdId, userId: member.userId, canTrade: allowed });
    return canonicalJson(memberView(household.householdId, member));
  }

  /** Suspends a household from trading, or lifts the suspension. */
  @Transaction()
  @Returns('string')
  @Param('householdId', 'string', 'household ID')
  @Param('suspended', 'string', '"true" or "false"')
  async SetSuspended(ctx: Context, householdId: string, suspended: string): Promise<string> {
    const value = booleanArg(suspended, 'suspended');
    const { ledger, caller } = await this.session(ctx);
    requireUtility(caller, 'suspend households');
    const household = await ledger.households.get(identifier(householdId, 'householdId'));
    return this.#update(ctx, ledger, { ...household, suspended: value });
  }

  /** Sets how far below zero the household's orders may commit it (see the funding model). */
  @Transaction()
  @Returns('string')
  @Param('householdId', 'string', 'household ID')
  @Param('amount', 'string', 'credit limit in money units (decimal integer)')
  async SetCreditLimit(ctx: Context, householdId: string, amount: string): Promise<string> {
    const creditLimit = integerArg(amount, 'amount');
    const { ledger, caller } = await this.session(ctx);
    const household = await ledger.households.get(identifier(householdId, 'householdId'));
    requireRetailerOf(caller, household, 'set the credit limit');
    return this.#update(ctx, ledger, { ...household, creditLimit });
  }

  #member(household: HouseholdRecord, userId: string): MemberRecord {
    const member = household.members.find((m) => m.userId === userId);
    if (!member) throw notFound(`user ${userId} is not a member of household ${household.householdId}`);
    return member;
  }

  async #update(ctx: Context, ledger: Ledger, household: HouseholdRecord): Promise<string> {
    await ledger.households.put(household);
    emitEvent(ctx.stub, 'HouseholdUpdated', {
      householdId: household.householdId,
      suspended: household.suspended,
      creditLimit: household.creditLimit,
    });
    return canonicalJson(householdView(household, await ledger.money.householdBalance(household.householdId)));
  }
}

/**
 * The public record's `privateDetailsHash`: SHA-256 of the canonical details with their salt. The
 * salt is secret (transient in, private collection only), so the hash reveals nothing to a guesser.
 */
export function privateDetailsHashOf(details: StoredPrivateDetails): string {
  return createHash('sha256').update(canonicalJson(details)).digest('hex');
}
