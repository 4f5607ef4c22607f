/**
 * The CA's identity registry: registered enrollment IDs with their type, affiliation, attributes,
 * enrollment limit and a salted scrypt hash of their secret, persisted as one JSON file.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { readIfExists, writeFileAtomic } from './files';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;
const HASH_BYTES = 32;

export interface RegisteredAttribute {
  name: string;
  value: string;
  /** Whether the attribute goes into enrollment certificates by default. */
  ecert: boolean;
}

export interface IdentityRecord {
  id: string;
  type: string;
  affiliation: string;
  attrs: RegisteredAttribute[];
  /** -1 = unlimited. */
  maxEnrollments: number;
  enrollments: number;
  secretSalt: string;
  secretHash: string;
}

interface RegistryFile {
  version: 1;
  identities: Record<string, IdentityRecord>;
}

export type NewIdentity = Omit<IdentityRecord, 'enrollments' | 'secretSalt' | 'secretHash'>;

export class IdentityRegistry {
  /** Writes are chained so the file always ends up holding the latest snapshot. */
  private pendingWrite: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly identities: Map<string, IdentityRecord>,
  ) {}

  static async open(file: string): Promise<IdentityRegistry> {
    const text = await readIfExists(file);
    if (text === undefined) return new IdentityRegistry(file, new Map());
    const parsed = JSON.parse(text) as RegistryFile;
    if (parsed.version !== 1 || typeof parsed.identities !== 'object') {
      throw new Error(`${file} is not a CA identity registry (version 1)`);
    }
    return new IdentityRegistry(file, new Map(Object.entries(parsed.identities)));
  }

  get(id: string): IdentityRecord | undefined {
    return this.identities.get(id);
  }

  /**
   * Adds an identity; returns false (and changes nothing) when the ID is taken. The check and the
   * insert happen in one synchronous step, so concurrent registrations of one ID cannot both win.
   */
  async add(identity: NewIdentity, secret: string): Promise<boolean> {
    const hashed = await hashSecret(secret);
    if (this.identities.has(identity.id)) return false;
    this.identities.set(identity.id, { ...identity, enrollments: 0, ...hashed });
    await this.persist();
    return true;
  }

  async setSecret(id: string, secret: string): Promise<void> {
    const record = this.identities.get(id);
    if (!record) throw new Error(`Identity '${id}' is not registered`);
    Object.assign(record, await hashSecret(secret));
    await this.persist();
  }

  async secretMatches(id: string, secret: string): Promise<boolean> {
    const record = this.identities.get(id);
    // Hash even for unknown IDs so the response time does not reveal which IDs exist.
    const salt = record ? Buffer.from(record.secretSalt, 'hex') : randomBytes(16);
    const hash = await scryptAsync(secret, salt, HASH_BYTES);
    return record !== undefined && timingSafeEqual(hash, Buffer.from(record.secretHash, 'hex'));
  }

  /** Counts one enrollment; false when the identity has used up its enrollments. */
  async recordEnrollment(id: string): Promise<boolean> {
    const record = this.identities.get(id);
    if (!record) return false;
    if (record.maxEnrollments >= 0 && record.enrollments >= record.maxEnrollments) return false;
    record.enrollments += 1;
    await this.persist();
    return true;
  }

  private persist(): Promise<void> {
    const write = this.pendingWrite.then(() => {
      const snapshot: RegistryFile = { version: 1, identities: Object.fromEntries(this.identities) };
      return writeFileAtomic(this.file, `${JSON.stringify(snapshot, null, 2)}\n`, 0o600);
    });
    this.pendingWrite = write.catch(() => undefined);
    return write;
  }
}

async function hashSecret(secret: string): Promise<{ secretSalt: string; secretHash: string }> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, HASH_BYTES);
  return { secretSalt: salt.toString('hex'), secretHash: hash.toString('hex') };
}
