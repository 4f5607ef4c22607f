/**
 * File-backed identity store: `<dir>/<id>.json` (certificate and metadata) and
 * `<dir>/<id>.key.pem` (PKCS#8, mode 0600; a replacement key is `<id>.key.pem.next` until the
 * record that needs it is written) in a directory only the service can enter (0700);
 * `<dir>/pending/<id>.json` (0600) holds CA registrations not yet finished (with their secret).
 * Private keys never leave it: callers get signers and gateway identities, not key material.
 */
import { promises as fs } from 'node:fs';
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import * as path from 'node:path';
import type { Identity, Signer } from '@hyperledger/fabric-gateway';
import writeAtomically from 'write-file-atomic';
import { IdentityError } from './errors';
import { isUserRole, type UserRole } from './roles';
import { newFastSigner } from './signer';

export interface StoredIdentity {
  userId: string;
  mspId: string;
  role: UserRole;
  householdId?: string;
  certificatePem: string;
}

/** The CA registrar an org's enrollments go through, kept under the ID `<caName>-registrar`. */
export interface StoredRegistrar {
  caName: string;
  mspId: string;
  enrollmentId: string;
  certificatePem: string;
}

/**
 * A CA registration in progress: written before the user is registered, so that a registration
 * whose enrollment or storage failed can be finished later with the same secret (the CA never
 * tells a secret again). Removed once the identity is stored.
 */
export interface PendingRegistration {
  userId: string;
  mspId: string;
  caName: string;
  role: UserRole;
  householdId?: string;
  secret: string;
  /** ISO time of the first attempt. */
  createdAt: string;
}

export interface PendingRegistrationStore {
  getPendingRegistration(userId: string): Promise<PendingRegistration | undefined>;
  putPendingRegistration(pending: PendingRegistration): Promise<void>;
  removePendingRegistration(userId: string): Promise<void>;
}

export interface IdentityStore extends RegistrarStore, PendingRegistrationStore {
  /** Gateway users only; registrars are never returned here, so they can never act as users. */
  get(userId: string): Promise<StoredIdentity | undefined>;
  put(identity: StoredIdentity, privateKeyPem: string): Promise<void>;
  list(): Promise<StoredIdentity[]>;
  /** fabric-gateway signer over Node crypto with low-S signatures; use with `hash: hash.none`. */
  signerFor(userId: string): Promise<Signer>;
  identityFor(userId: string): Promise<Identity>;
}

export interface RegistrarStore {
  getRegistrar(caName: string): Promise<StoredRegistrar | undefined>;
  putRegistrar(registrar: StoredRegistrar, privateKeyPem: string): Promise<void>;
  /** Forgets a registrar whose certificate the CA no longer accepts (e.g. the dev ledger was reset). */
  removeRegistrar(caName: string): Promise<void>;
}

type StoredRecord = (StoredIdentity & { kind: 'user' }) | (StoredRegistrar & { kind: 'registrar'; userId: string });

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;

export function registrarStoreId(caName: string): string {
  return `${caName}-registrar`;
}

export class FileIdentityStore implements IdentityStore {
  private ready: Promise<void> | undefined;
  /** Per ID, the signer of the key that belongs to the certificate it was loaded for. */
  private readonly signers = new Map<string, { certificatePem: string; signer: Signer }>();
  /**
   * Records read or written by this process: every request resolves its user here, and a file
   * read per request was a measurable share of the gateway's CPU. The gateway is the store's only
   * writer; an ID not yet seen is still looked up on disk.
   */
  private readonly records = new Map<string, StoredRecord>();

  constructor(readonly dir: string) {}

  async get(userId: string): Promise<StoredIdentity | undefined> {
    const record = await this.read(userId);
    return record?.kind === 'user' ? toIdentity(record) : undefined;
  }

  async put(identity: StoredIdentity, privateKeyPem: string): Promise<void> {
    if (!isUserRole(identity.role)) throw new IdentityError('IDENTITY_CONFLICT', `Unknown role '${String(identity.role)}'`);
    const existing = await this.read(identity.userId);
    if (existing?.kind === 'registrar') {
      throw new IdentityError('IDENTITY_CONFLICT', `'${identity.userId}' is reserved for a CA registrar`);
    }
    await this.write({ ...toIdentity(identity), kind: 'user' }, privateKeyPem);
  }

  async list(): Promise<StoredIdentity[]> {
    await this.ensureDir();
    const names = (await fs.readdir(this.dir)).filter((name) => name.endsWith('.json') && !name.startsWith('.'));
    // Anything that is not a readable identity record (a stray file) is skipped, not fatal.
    const records = await Promise.all(names.map((name) => this.read(name.slice(0, -'.json'.length)).catch(() => undefined)));
    return records
      .filter((record): record is StoredRecord & { kind: 'user' } => record?.kind === 'user')
      .map(toIdentity)
      .sort((a, b) => a.userId.localeCompare(b.userId));
  }

  async signerFor(id: string): Promise<Signer> {
    const record = await this.require(id);
    const cached = this.signers.get(id);
    if (cached?.certificatePem === record.certificatePem) return cached.signer;
    const signer = newFastSigner(await this.keyFor(id, record.certificatePem));
    this.signers.set(id, { certificatePem: record.certificatePem, signer });
    return signer;
  }

  async identityFor(id: string): Promise<Identity> {
    const record = await this.require(id);
    return { mspId: record.mspId, credentials: new Uint8Array(Buffer.from(record.certificatePem)) };
  }

  async getRegistrar(caName: string): Promise<StoredRegistrar | undefined> {
    const record = await this.read(registrarStoreId(caName));
    if (record?.kind !== 'registrar') return undefined;
    return { caName: record.caName, mspId: record.mspId, enrollmentId: record.enrollmentId, certificatePem: record.certificatePem };
  }

  async putRegistrar(registrar: StoredRegistrar, privateKeyPem: string): Promise<void> {
    const userId = registrarStoreId(registrar.caName);
    const existing = await this.read(userId);
    if (existing?.kind === 'user') throw new IdentityError('IDENTITY_CONFLICT', `'${userId}' is already a gateway user`);
    await this.write({ ...registrar, kind: 'registrar', userId }, privateKeyPem);
  }

  async removeRegistrar(caName: string): Promise<void> {
    const id = registrarStoreId(caName);
    if ((await this.read(id))?.kind !== 'registrar') return;
    this.signers.delete(id);
    this.records.delete(id);
    await fs.rm(this.recordFile(id), { force: true });
    await fs.rm(this.keyFile(id), { force: true });
    await fs.rm(this.nextKeyFile(id), { force: true });
  }

  async getPendingRegistration(userId: string): Promise<PendingRegistration | undefined> {
    validateId(userId);
    await this.ensureDir();
    try {
      return JSON.parse(await fs.readFile(this.pendingFile(userId), 'utf8')) as PendingRegistration;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async putPendingRegistration(pending: PendingRegistration): Promise<void> {
    validateId(pending.userId);
    await this.ensureDir();
    await writeFileAtomic(this.pendingFile(pending.userId), `${JSON.stringify(pending, null, 2)}\n`, 0o600);
  }

  async removePendingRegistration(userId: string): Promise<void> {
    validateId(userId);
    await fs.rm(this.pendingFile(userId), { force: true });
  }

  private async require(id: string): Promise<StoredRecord> {
    const record = await this.read(id);
    if (!record) throw new IdentityError('IDENTITY_NOT_FOUND', `No identity '${id}' in the identity store`);
    return record;
  }

  private async read(id: string): Promise<StoredRecord | undefined> {
    validateId(id);
    const cached = this.records.get(id);
    if (cached) return cached;
    await this.ensureDir();
    let text: string;
    try {
      text = await fs.readFile(this.recordFile(id), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const record = JSON.parse(text) as StoredRecord;
    this.records.set(id, record);
    return record;
  }

  /**
   * The new key goes beside the old one (`<id>.key.pem.next`), then the record is replaced, then
   * the key is renamed into place, each step atomic: whenever the process stops, the record's
   * certificate has its key on disk in one of the two files (see keyFor), so replacing a
   * certificate (renewal) can never leave a certificate with another certificate's key.
   */
  private async write(record: StoredRecord, privateKeyPem: string): Promise<void> {
    validateId(record.userId);
    createPrivateKey(privateKeyPem); // refuse anything that is not a usable private key
    await this.ensureDir();
    this.records.delete(record.userId);
    await writeFileAtomic(this.nextKeyFile(record.userId), privateKeyPem, 0o600);
    await writeFileAtomic(this.recordFile(record.userId), `${JSON.stringify(record, null, 2)}\n`, 0o600);
    this.records.set(record.userId, record);
    try {
      await fs.rename(this.nextKeyFile(record.userId), this.keyFile(record.userId));
    } catch (error) {
      // A signerFor in between already moved it into place for the new record.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** The private key of `certificatePem`: `<id>.key.pem`, or a `.next` key a stopped write left (then moved into place). */
  private async keyFor(id: string, certificatePem: string): Promise<KeyObject> {
    const certificateKey = new X509Certificate(certificatePem).publicKey.export({ format: 'der', type: 'spki' });
    const matches = (key: KeyObject): boolean => createPublicKey(key).export({ format: 'der', type: 'spki' }).equals(certificateKey);
    for (const file of [this.keyFile(id), this.nextKeyFile(id)]) {
      let key: KeyObject;
      try {
        key = createPrivateKey(await fs.readFile(file, 'utf8'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      if (!matches(key)) continue;
      if (file !== this.keyFile(id)) await fs.rename(file, this.keyFile(id));
      return key;
    }
    throw new Error(`The identity store holds no private key for the certificate of '${id}'`);
  }

  private ensureDir(): Promise<void> {
    this.ready ??= (async () => {
      await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      await fs.chmod(this.dir, 0o700);
      await fs.mkdir(this.pendingDir(), { recursive: true, mode: 0o700 });
      await fs.chmod(this.pendingDir(), 0o700);
    })();
    return this.ready;
  }

  private recordFile(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  private keyFile(id: string): string {
    return path.join(this.dir, `${id}.key.pem`);
  }

  private nextKeyFile(id: string): string {
    return path.join(this.dir, `${id}.key.pem.next`);
  }

  /** Pending registrations live apart from identities, so they are never listed or read as one. */
  private pendingDir(): string {
    return path.join(this.dir, 'pending');
  }

  private pendingFile(id: string): string {
    return path.join(this.pendingDir(), `${id}.json`);
  }
}

function validateId(id: string): void {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new IdentityError(
      'INVALID_USER_ID',
      "User IDs are 1-128 characters of letters, digits and '.', '_', '@', '-', starting with a letter or digit",
    );
  }
}

function toIdentity(record: StoredIdentity): StoredIdentity {
  const identity: StoredIdentity = { userId: record.userId, mspId: record.mspId, role: record.role, certificatePem: record.certificatePem };
  if (record.householdId !== undefined) identity.householdId = record.householdId;
  return identity;
}

function writeFileAtomic(file: string, data: string, mode: number): Promise<void> {
  // The library writes a temporary file created with `mode`, then renames it into place.
  return writeAtomically(file, data, { mode });
}
