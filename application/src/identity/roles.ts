/** How each gateway role is expressed at the CA: NodeOU type and `gridshare.*` attributes. */
export const USER_ROLES = ['utility-admin', 'retailer-admin', 'household', 'auditor'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface CaAttribute {
  name: string;
  value: string;
  /** Put into enrollment certificates, where the chaincode reads it through ClientIdentity. */
  ecert: boolean;
}

export interface CaRegistrationProfile {
  type: 'admin' | 'client';
  attrs: CaAttribute[];
}

const ROLE_PROFILES: Record<UserRole, { type: 'admin' | 'client'; gridshareRole: string }> = {
  'utility-admin': { type: 'admin', gridshareRole: 'operator' },
  'retailer-admin': { type: 'admin', gridshareRole: 'admin' },
  household: { type: 'client', gridshareRole: 'household' },
  auditor: { type: 'client', gridshareRole: 'auditor' },
};

export function isUserRole(value: unknown): value is UserRole {
  return typeof value === 'string' && (USER_ROLES as readonly string[]).includes(value);
}

export function caRegistrationFor(role: UserRole, householdId?: string): CaRegistrationProfile {
  const profile = ROLE_PROFILES[role];
  const attrs: CaAttribute[] = [{ name: 'gridshare.role', value: profile.gridshareRole, ecert: true }];
  if (role === 'household' && householdId !== undefined) attrs.push({ name: 'gridshare.household', value: householdId, ecert: true });
  return { type: profile.type, attrs };
}
