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
  /** Backoff of the consortium check while the ledger is unreachable (default 500 ms doubling to 30 s). */
  ledgerRetry?: { baseDelayMs: number; maxDelayMs: number };
}

/** The consortium check that bootstrap leaves running while the ledger cannot be reached. */
export interface ConsortiumCheck {
  /** Resolves once the consortium is known initialised; rejects on a failure retrying cannot fix. */
  readonly done: Promise<void>;
  /** Stops retrying (on shutdown); `done` then resolves without a further check. */
  stop(): void;
}

/** A ledger answer that says "not reachable now" (503) or "sent, outcome unknown" (504): worth asking again. */
const isTransient = (err: unknown): boolean => err instanceof HttpError && (err.statusCode === 503 || err.statusCode === 504);

/**
 * Brings a fresh gateway and ledger to a usable state, and does nothing more on later starts:
 * enrolls the CA registrars and the two staff users (and an auditor when the profile names an
 * auditor organization), then initialises the consortium from the connection profile's roles if
 * the chaincode has not been initialised yet. A peer that is down or restarting does not stop the
 * gateway: the consortium check goes on in the background (until then /readyz answers 503).
 */
export async function bootstrap(deps: BootstrapDeps): Promise<ConsortiumCheck> {
  const { identities, enroller, profile, log } = deps;
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

  return checkConsortiumUntilReachable(deps);
}

/** Runs the consortium check now; while the ledger is unreachable, again in the background with backoff. */
async function checkConsortiumUntilReachable(deps: BootstrapDeps): Promise<ConsortiumCheck> {
  const { baseDelayMs, maxDelayMs } = deps.ledgerRetry ?? { baseDelayMs: 500, maxDelayMs: 30_000 };
  try {
    await ensureConsortium(deps);
    return { done: Promise.resolve(), stop: () => undefined };
  } catch (err) {
    if (!isTransient(err)) throw err;
    deps.log.warn({ err }, 'ledger not reachable at start-up; starting anyway and checking the consortium in the background');
  }
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: () => void = () => undefined;
  const done = (async () => {
    for (let attempt = 1; ; attempt++) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt - 1, 16)));
      });
      if (stopped) return;
      try {
        await ensureConsortium(deps);
        deps.log.info({ attempt }, 'ledger reachable; consortium checked');
        return;
      } catch (err) {
        if (!isTransient(err)) throw err;
        deps.log.warn({ err, attempt }, 'ledger still not reachable; checking the consortium again later');
      }
    }
  })();
  done.catch((err: unknown) => deps.log.error({ err }, 'consortium check failed; the gateway stays not ready'));
  return {
    done,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      wake();
    },
  };
}

/** Initialises the consortium unless the chaincode already has one. */
async function ensureConsortium({ ledger, profile, initialMarket, log }: BootstrapDeps): Promise<void> {
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
