/**
 * Who is calling, from ctx.clientIdentity only: MSP ID, certificate attributes, the NodeOU in the
 * certificate subject, and the identity's binding to a household on the ledger.
 */
import { X509Certificate } from 'crypto';
import type { Context } from 'fabric-contract-api';
import { forbidden } from '../ledger/errors';
import type { ConsortiumRecord, HouseholdRecord, IdentityBinding, MemberRecord } from '../ledger/model';
import type { Ledger } from '../ledger/repositories';
import type { CallerIdentity } from './idempotency';

export const ROLE_ATTRIBUTE = 'gridshare.role';

export type CallerRole = 'utility' | 'retailer' | 'household' | 'auditor' | 'none';

export interface Caller {
  mspId: string;
  id: string;
  isUtility: boolean;
  /** Retailer staff of `mspId`. */
  isRetailerAdmin: boolean;
  isAuditor: boolean;
  binding?: IdentityBinding;
}

/**
 * True if the caller's certificate subject has an OU of exactly `admin` (Fabric NodeOU).
 * Read from the certificate itself rather than from getID(): that string escapes only the first
 * '/' of each value, so a CN such as `a/b/OU=admin` would look like an admin OU there.
 */
export function hasAdminOu(ctx: Context): boolean {
  try {
    const cert = new X509Certificate(Buffer.from(ctx.clientIdentity.getIDBytes()));
    return cert.subject.split('\n').includes('OU=admin');
  } catch {
    return false;
  }
}

function hasRole(ctx: Context, value: string): boolean {
  return ctx.clientIdentity.assertAttributeValue(ROLE_ATTRIBUTE, value) === true;
}

/** Resolves the caller's consortium roles without touching the ledger. */
export function staffRoles(ctx: Context, consortium: ConsortiumRecord): Omit<Caller, 'binding'> {
  const mspId = ctx.clientIdentity.getMSPID();
  const id = ctx.clientIdentity.getID();
  const admin = hasAdminOu(ctx);
  return {
    mspId,
    id,
    isUtility: mspId === consortium.utilityMspId && (admin || hasRole(ctx, 'operator')),
    isRetailerAdmin: consortium.retailerMspIds.includes(mspId) && (admin || hasRole(ctx, 'admin')),
    isAuditor: consortium.auditorMspIds.includes(mspId),
  };
}

/** Staff roles plus the household binding of the calling identity, if any. */
export async function resolveCaller(ctx: Context, ledger: Ledger, consortium: ConsortiumRecord): Promise<Caller> {
  const roles = staffRoles(ctx, consortium);
  const binding = await ledger.households.findBinding(roles.mspId, roles.id);
  return { ...roles, binding };
}

export function primaryRole(caller: Caller): CallerRole {
  if (caller.isUtility) return 'utility';
  if (caller.isRetailerAdmin) return 'retailer';
  if (caller.binding) return 'household';
  if (caller.isAuditor) return 'auditor';
  return 'none';
}

export function requireUtility(caller: Caller, action: string): void {
  if (!caller.isUtility) throw forbidden(`only the utility operator may ${action}`);
}

export function isRetailerOf(caller: Caller, household: HouseholdRecord): boolean {
  return caller.isRetailerAdmin && caller.mspId === household.retailer;
}

export function requireRetailerOf(caller: Caller, household: HouseholdRecord, action: string): void {
  if (!isRetailerOf(caller, household)) {
    throw forbidden(`only the retailer of household ${household.householdId} may ${action}`);
  }
}

/** The caller's member record in this household, if its identity is bound there. */
export function memberOf(caller: Caller, household: HouseholdRecord): MemberRecord | undefined {
  if (!caller.binding || caller.binding.householdId !== household.householdId) return undefined;
  const userId = caller.binding.userId;
  return household.members.find((m) => m.userId === userId && m.mspId === caller.mspId && m.identityId === caller.id);
}

/** Owner, or a member the owner granted trading. */
export function requireTrader(caller: Caller, household: HouseholdRecord): MemberRecord {
  return requireTrading(memberOf(caller, household), household);
}

/** The calling identity (MSP ID and `ClientIdentity.getID()`), without its roles or binding. */
export function callerIdentity(ctx: Context): CallerIdentity {
  return { mspId: ctx.clientIdentity.getMSPID(), id: ctx.clientIdentity.getID() };
}

/**
 * The member record of the calling identity, found in the household's own record. AddMember binds
 * an identity to one household only, and RemoveMember drops the member and its binding together,
 * so this is the member the caller's `member~identity` binding leads to — without reading it.
 */
export function memberByIdentity(caller: CallerIdentity, household: HouseholdRecord): MemberRecord | undefined {
  return household.members.find((m) => m.mspId === caller.mspId && m.identityId === caller.id);
}

/** {@link requireTrader} for a caller known only by its identity (see {@link memberByIdentity}). */
export function requireTraderByIdentity(caller: CallerIdentity, household: HouseholdRecord): MemberRecord {
  return requireTrading(memberByIdentity(caller, household), household);
}

function requireTrading(member: MemberRecord | undefined, household: HouseholdRecord): MemberRecord {
  if (!member) throw forbidden(`caller is not a member of household ${household.householdId}`);
  if (member.role !== 'owner' && !member.canTrade) {
    throw forbidden(`member ${member.userId} may not trade for household ${household.householdId}`);
  }
  return member;
}

export function requireOwner(caller: Caller, household: HouseholdRecord, action: string): MemberRecord {
  const member = memberOf(caller, household);
  if (!member || member.role !== 'owner') throw forbidden(`only an owner of household ${household.householdId} may ${action}`);
  return member;
}

/** Members, its retailer, the utility and auditors may read a household's public data. */
export function canReadHousehold(caller: Caller, household: HouseholdRecord, options: { auditor: boolean }): boolean {
  return (
    caller.isUtility ||
    isRetailerOf(caller, household) ||
    memberOf(caller, household) !== undefined ||
    (options.auditor && caller.isAuditor)
  );
}

export function requireReadHousehold(caller: Caller, household: HouseholdRecord, what: string, options = { auditor: false }): void {
  if (!canReadHousehold(caller, household, options)) {
    throw forbidden(`caller may not read ${what} of household ${household.householdId}`);
  }
}

/**
 * Retailer-private customer data (name, address, e-mail): the household's own retailer and its
 * members only. The utility and auditors read everything else, but not this.
 */
export function requireReadPrivateDetails(caller: Caller, household: HouseholdRecord): void {
  if (!isRetailerOf(caller, household) && memberOf(caller, household) === undefined) {
    throw forbidden(`caller may not read the private details of household ${household.householdId}`);
  }
}

/** A retailer's grid-energy account: that retailer's staff, the utility and auditors. */
export function canReadRetailerAccount(caller: Caller, retailerMspId: string): boolean {
  return caller.isUtility || caller.isAuditor || (caller.isRetailerAdmin && caller.mspId === retailerMspId);
}

/** The utility's account (grid fees, retail and feed-in tariffs): the utility and auditors. */
export function canReadUtilityAccount(caller: Caller): boolean {
  return caller.isUtility || caller.isAuditor;
}
