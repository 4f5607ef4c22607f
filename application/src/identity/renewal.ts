/**
 * Renewal of users' enrollment certificates before they expire (Fabric CA issues them for a
 * year). Checked when a user's identity is taken for a Gateway; the expiry is cached so a check
 * costs a map lookup, and the store is consulted at most once per user per `recheckMs`.
 */
import { X509Certificate } from 'node:crypto';
import { IdentityError, identityExpired } from './errors';
import type { IdentityStore, StoredIdentity } from './store';

export const DEFAULT_RENEW_WITHIN_MS = 30 * 24 * 60 * 60 * 1000;
export const DEFAULT_RECHECK_MS = 60 * 60 * 1000;

export interface CertificateRenewalOptions {
  /** Renew once the certificate expires within this long; default 30 days. */
  renewWithinMs?: number;
  /** Look at a user's certificate at most this often; default 1 hour. */
  recheckMs?: number;
  now?: () => number;
  /** A renewal that failed while the certificate is still valid (CA down or refusing); retried after `recheckMs`. */
  onRenewalFailed?: (userId: string, error: unknown) => void;
}

/** What renews a certificate at the CA (the Enroller). */
export interface CertificateRenewer {
  reenrollUser(userId: string, now?: number): Promise<StoredIdentity>;
}

/** Milliseconds since the epoch at which the PEM certificate stops being valid. */
export function certificateExpiry(certificatePem: string): number {
  return Date.parse(new X509Certificate(certificatePem).validTo);
}

export class CertificateRenewal {
  readonly #nextCheckAt = new Map<string, number>();
  readonly #checking = new Map<string, Promise<boolean>>();
  readonly #renewWithinMs: number;
  readonly #recheckMs: number;
  readonly #now: () => number;

  constructor(
    private readonly store: Pick<IdentityStore, 'get'>,
    private readonly renewer: CertificateRenewer,
    private readonly options: CertificateRenewalOptions = {},
  ) {
    this.#renewWithinMs = options.renewWithinMs ?? DEFAULT_RENEW_WITHIN_MS;
    this.#recheckMs = options.recheckMs ?? DEFAULT_RECHECK_MS;
    this.#now = options.now ?? Date.now;
  }

  /**
   * `false` (synchronously) when the user's certificate was looked at recently; otherwise whether
   * it was renewed now, in which case Gateways holding the old certificate should be replaced.
   * Rejects with IDENTITY_EXPIRED when the certificate has expired: it can no longer be renewed.
   */
  renewIfDue(userId: string): false | Promise<boolean> {
    const now = this.#now();
    const next = this.#nextCheckAt.get(userId);
    if (next !== undefined && now < next) return false;
    let pending = this.#checking.get(userId);
    if (!pending) {
      pending = this.#check(userId, now).finally(() => this.#checking.delete(userId));
      this.#checking.set(userId, pending);
    }
    return pending;
  }

  async #check(userId: string, now: number): Promise<boolean> {
    const identity = await this.store.get(userId);
    if (!identity) return false; // not a gateway user: the store refuses it where it is used
    const expiry = certificateExpiry(identity.certificatePem);
    // The CA refuses to renew an expired certificate. Nothing is cached, so a user an
    // administrator registers again is picked up at once.
    if (expiry <= now) throw identityExpired(userId, `its certificate expired at ${new Date(expiry).toISOString()}`);
    if (expiry - now > this.#renewWithinMs) {
      this.#nextCheckAt.set(userId, Math.min(now + this.#recheckMs, expiry - this.#renewWithinMs));
      return false;
    }
    let renewed: StoredIdentity;
    try {
      renewed = await this.renewer.reenrollUser(userId, now);
    } catch (error) {
      // The certificate still works: keep using it and try again later (never before it expires).
      this.options.onRenewalFailed?.(userId, error);
      this.#nextCheckAt.set(userId, Math.min(now + this.#recheckMs, expiry));
      if (error instanceof IdentityError && error.code !== 'IDENTITY_EXPIRED') throw error;
      return false;
    }
    // A CA that issues certificates shorter than the window would otherwise be asked on every use:
    // the next look is after `recheckMs`, or halfway to the new expiry if that comes sooner.
    const renewedExpiry = certificateExpiry(renewed.certificatePem);
    this.#nextCheckAt.set(userId, now + Math.min(this.#recheckMs, Math.max(0, (renewedExpiry - now) / 2)));
    return true;
  }
}
