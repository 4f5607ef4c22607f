import { readFile } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { ConnectionProfile } from './config';
import { HttpError } from './http-error';
import type { Ledger } from './fabric/ledger';
import type { Enroller, IdentityStore, StoredIdentity } from './identity';
import { AUDITOR, RETAILER_ADMIN, UTILITY_ADMIN } from './principals';

export interface BootstrapDeps {
  identities: IdentityStore;
  enroller: Enroller;
  ledger: Ledger;
  profile: ConnectionProfile;
  initialMarket: Record<string, unknown>;
  log: FastifyBaseLogger;
}

/**
 * Brings a fresh gateway and ledger to a usable state, and does nothing more on later starts:
 * enrolls the CA registrars and the two staff users (and an auditor when the profile names an
 * auditor organization), then initialises the consortium from the connection profile's roles if
 * the chaincode has not been initialised yet.
 */
export async function bootstrap({ identities, enroller, ledger, profile, initialMarket, log }: BootstrapDeps): Promise<void> {
  const ensureUser = async (userId: string, mspId: string, role: StoredIdentity['role']) => {
    if (await identities.get(userId)) return;
    const admin = profile.organizations[mspId]?.admin;
    if (!profile.organizations[mspId]?.ca && admin) {
      // No CA to enroll from (a cryptogen network): staff act as the org's admin identity.
      const [certificatePem, privateKeyPem] = await Promise.all([
        readFile(admin.certificatePath, 'utf8'),
        readFile(admin.privateKeyPath, 'utf8'),
      ]);
      await identities.put({ userId, mspId, role, certificatePem }, privateKeyPem);
      log.info({ userId, mspId, role }, 'imported gateway user from the org admin identity');
      return;
    }
    await enroller.enrollUser(userId, mspId, role);
    log.info({ userId, mspId, role }, 'enrolled gateway user');
  };
  // The first auditor org whose CA the profile names (an auditor without one is enrolled elsewhere).
  const auditor = profile.roles.auditors.find((mspId) => profile.organizations[mspId]?.ca);
  for (const mspId of [profile.roles.utility, ...profile.roles.retailers, ...(auditor ? [auditor] : [])]) {
    if (profile.organizations[mspId]?.ca) await enroller.ensureRegistrar(mspId);
  }
  const retailer = profile.roles.retailers[0]!;
  await ensureUser(UTILITY_ADMIN, profile.roles.utility, 'utility-admin');
  await ensureUser(RETAILER_ADMIN, retailer, 'retailer-admin');
  if (auditor) await ensureUser(AUDITOR, auditor, 'auditor');

  try {
    await ledger.evaluate(UTILITY_ADMIN, 'consortium', 'GetConsortium');
    return;
  } catch (err) {
    if (!(err instanceof HttpError) || (err.code !== 'NOT_INITIALISED' && err.code !== 'NOT_FOUND')) throw err;
  }
  try {
    await ledger.submit(UTILITY_ADMIN, 'consortium', 'Init', {
      args: [
        {
          utilityMspId: profile.roles.utility,
          retailerMspIds: profile.roles.retailers,
          auditorMspIds: profile.roles.auditors,
          market: initialMarket,
        },
      ],
    });
    log.info({ roles: profile.roles }, 'consortium initialised');
  } catch (err) {
    // Another gateway instance got there first.
    if (!(err instanceof HttpError) || err.code !== 'ALREADY_EXISTS') throw err;
  }
}
