/**
 * Enrollment of gateway users with their organisation's CA, the same way for the dev ledger's
 * CA and a real Fabric CA: the org's bootstrap registrar is enrolled once and kept in the store,
 * then each user is registered with its role's type and attributes, enrolled, and stored.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { FabricCaClient } from './ca-client';
import { FabricCaError, IdentityError, identityExpired } from './errors';
import { certificateExpiry } from './renewal';
import { caRegistrationFor, type UserRole } from './roles';
import { registrarStoreId, type IdentityStore, type PendingRegistration, type StoredIdentity, type StoredRegistrar } from './store';

/** The part of the connection file's `organizations` the enroller needs (ConnectionProfile['organizations'] fits). */
export type CaOrganizations = Record<
  string,
  {
    mspId: string;
    ca?: {
      url: string;
      caName: string;
      tlsCaCertPath?: string | null;
      registrar: { enrollmentId: string; enrollmentSecret: string };
    };
  }
>;

export interface EnrollUserOptions {
  /** For households: bound into the certificate as `gridshare.household`. */
  householdId?: string;
  /** Further ecert attributes; the `gridshare.role`/`gridshare.household` ones come from the role. */
  attrs?: Record<string, string>;
}

type CaConfig = NonNullable<CaOrganizations[string]['ca']>;

export class Enroller {
  private readonly clients = new Map<string, Promise<FabricCaClient>>();
  /** One enrollment at a time per ID, so concurrent calls cannot register the same ID twice. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: IdentityStore,
    private readonly orgs: CaOrganizations,
  ) {}

  /** The org's registrar, enrolled with the bootstrap credentials on first use and then reused. */
  async ensureRegistrar(mspId: string): Promise<StoredRegistrar> {
    const ca = this.caOf(mspId);
    return this.once(`registrar:${ca.caName}`, async () => {
      const stored = await this.store.getRegistrar(ca.caName);
      if (stored) return stored;
      const client = await this.clientFor(mspId);
      const enrollment = await client.enroll(ca.registrar.enrollmentId, ca.registrar.enrollmentSecret);
      const registrar: StoredRegistrar = { caName: ca.caName, mspId, enrollmentId: ca.registrar.enrollmentId, certificatePem: enrollment.certificatePem };
      await this.store.putRegistrar(registrar, enrollment.privateKeyPem);
      return registrar;
    });
  }

  /**
   * Registers and enrolls `userId` in `mspId`'s CA and stores the identity. Idempotent for a user
   * already in the store with the same org and role. The secret is saved as a pending registration
   * before the CA registers it, so an attempt that fails after registering (enrollment timeout, lost
   * response, crash) is finished by the next one; a user the CA knows but this gateway never began
   * registering cannot be recovered (its secret is unknown) and is refused with ALREADY_REGISTERED.
   */
  async enrollUser(userId: string, mspId: string, role: UserRole, options: EnrollUserOptions = {}): Promise<StoredIdentity> {
    return this.once(`user:${userId}`, async () => {
      const existing = await this.store.get(userId);
      if (existing) {
        if (existing.mspId !== mspId || existing.role !== role || (options.householdId !== undefined && existing.householdId !== options.householdId)) {
          throw new IdentityError('IDENTITY_CONFLICT', `User '${userId}' already exists as ${existing.role} of ${existing.mspId}`);
        }
        return existing;
      }
      const ca = this.caOf(mspId);
      const profile = caRegistrationFor(role, options.householdId);
      const attrs = [...profile.attrs];
      for (const [name, value] of Object.entries(options.attrs ?? {})) {
        if (attrs.some((attr) => attr.name === name)) throw new IdentityError('IDENTITY_CONFLICT', `Attribute '${name}' is set by the role`);
        attrs.push({ name, value, ecert: true });
      }
      const pending = await this.pendingRegistration(userId, mspId, ca.caName, role, options.householdId);
      const client = await this.clientFor(mspId);

      await this.registerWithFreshRegistrar(mspId, async (registrar) => {
        try {
          await client.register(
            { certificatePem: registrar.certificatePem, signer: await this.store.signerFor(registrarStoreId(registrar.caName)) },
            { id: userId, type: profile.type, secret: pending.secret, attrs },
          );
        } catch (error) {
          if (error instanceof FabricCaError && error.alreadyRegistered) {
            // Registered by an earlier attempt of ours whose enrollment or storage failed: the
            // saved secret finishes it.
            if (pending.resumed) return;
            throw new IdentityError(
              'ALREADY_REGISTERED',
              `User '${userId}' is already registered with CA '${ca.caName}' but this gateway holds no identity for it; choose another user ID`,
            );
          }
          throw error;
        }
      });

      const enrollment = await client.enroll(userId, pending.secret);
      const identity: StoredIdentity = { userId, mspId, role, certificatePem: enrollment.certificatePem };
      if (options.householdId !== undefined) identity.householdId = options.householdId;
      await this.store.put(identity, enrollment.privateKeyPem);
      await this.store.removePendingRegistration(userId);
      return identity;
    });
  }

  /**
   * Renews `userId`'s certificate with Fabric CA's reenroll (new key pair and CSR, authenticated by
   * the current certificate and key) and stores the new certificate and key. An expired
   * certificate cannot authenticate a reenroll, so it is refused here without asking the CA, and a
   * CA refusal (401: expired, revoked, or a CA that no longer trusts it) is final too: in both
   * cases an administrator must register the user again (IDENTITY_EXPIRED).
   */
  async reenrollUser(userId: string, now: number = Date.now()): Promise<StoredIdentity> {
    return this.once(`user:${userId}`, async () => {
      const existing = await this.store.get(userId);
      if (!existing) throw new IdentityError('IDENTITY_NOT_FOUND', `No identity '${userId}' in the identity store`);
      const expiry = certificateExpiry(existing.certificatePem);
      if (expiry <= now) throw identityExpired(userId, `its certificate expired at ${new Date(expiry).toISOString()}`);
      const client = await this.clientFor(existing.mspId);
      let enrollment;
      try {
        enrollment = await client.reenroll({ certificatePem: existing.certificatePem, signer: await this.store.signerFor(userId) }, userId);
      } catch (error) {
        if (error instanceof FabricCaError && error.status === 401) throw identityExpired(userId, `CA '${client.caName}' refused to renew it: ${error.caMessage}`);
        throw error;
      }
      const renewed: StoredIdentity = { ...existing, certificatePem: enrollment.certificatePem };
      await this.store.put(renewed, enrollment.privateKeyPem);
      return renewed;
    });
  }

  /**
   * The secret to register `userId` with: a pending registration's from an earlier attempt that
   * did not finish (same org, CA and role), else a new one, saved before the CA hears of it.
   */
  private async pendingRegistration(
    userId: string,
    mspId: string,
    caName: string,
    role: UserRole,
    householdId: string | undefined,
  ): Promise<{ secret: string; resumed: boolean }> {
    const saved = await this.store.getPendingRegistration(userId);
    if (saved) {
      if (saved.mspId !== mspId || saved.caName !== caName || saved.role !== role || saved.householdId !== householdId) {
        throw new IdentityError('IDENTITY_CONFLICT', `A registration of user '${userId}' as ${saved.role} of ${saved.mspId} is not finished yet`);
      }
      return { secret: saved.secret, resumed: true };
    }
    const secret = randomBytes(18).toString('base64url');
    const pending: PendingRegistration = { userId, mspId, caName, role, secret, createdAt: new Date().toISOString() };
    if (householdId !== undefined) pending.householdId = householdId;
    await this.store.putPendingRegistration(pending);
    return { secret, resumed: false };
  }

  /**
   * Runs `register` as the org's registrar. When the CA no longer trusts the stored registrar
   * certificate (401: e.g. the dev ledger's CA was reset), the registrar is enrolled again once.
   */
  private async registerWithFreshRegistrar(mspId: string, register: (registrar: StoredRegistrar) => Promise<void>): Promise<void> {
    const registrar = await this.ensureRegistrar(mspId);
    try {
      await register(registrar);
    } catch (error) {
      if (!(error instanceof FabricCaError && error.status === 401)) throw error;
      await this.store.removeRegistrar(registrar.caName);
      await register(await this.ensureRegistrar(mspId));
    }
  }

  private caOf(mspId: string): CaConfig {
    const org = this.orgs[mspId];
    if (!org) throw new IdentityError('UNKNOWN_ORGANIZATION', `No organisation '${mspId}' in the connection profile`);
    if (!org.ca) throw new IdentityError('NO_CA_CONFIGURED', `Organisation '${mspId}' has no CA in the connection profile`);
    return org.ca;
  }

  private clientFor(mspId: string): Promise<FabricCaClient> {
    const ca = this.caOf(mspId);
    let client = this.clients.get(mspId);
    if (!client) {
      client = (async () => {
        const tlsCaCertPem = ca.tlsCaCertPath ? await fs.readFile(ca.tlsCaCertPath, 'utf8') : undefined;
        return new FabricCaClient({ url: ca.url, caName: ca.caName, ...(tlsCaCertPem ? { tlsCaCertPem } : {}) });
      })();
      client.catch(() => this.clients.delete(mspId));
      this.clients.set(mspId, client);
    }
    return client;
  }

  private once<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key) as Promise<T> | undefined;
    if (running) return running;
    const started = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }
}
