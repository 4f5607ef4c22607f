import fs from 'node:fs';
import { DevLedgerError } from '../errors';

export interface CollectionDefinition {
  name: string;
  policy?: string;
  memberOnlyRead?: boolean;
  memberOnlyWrite?: boolean;
}

/**
 * The chaincode's private data collections (collections_config.json). The single dev peer is a
 * member of every collection; the transaction creator's MSP decides member-only access, as the
 * peer's chaincode handler does.
 */
export class Collections {
  private readonly byName: Map<string, { definition: CollectionDefinition; memberOrgs: Set<string> }>;

  constructor(
    readonly definitions: CollectionDefinition[],
    private readonly chaincodeName: string,
  ) {
    this.byName = new Map(definitions.map((d) => [d.name, { definition: d, memberOrgs: memberOrgsOf(d.policy) }]));
  }

  static load(configPath: string | undefined, chaincodeName: string): Collections {
    if (!configPath || !fs.existsSync(configPath)) return new Collections([], chaincodeName);
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(configPath, 'utf8'));
    } catch (error) {
      throw new DevLedgerError('BAD_COLLECTIONS_CONFIG', `cannot read ${configPath}: ${(error as Error).message}`);
    }
    if (!Array.isArray(parsed) || !parsed.every((d) => typeof d === 'object' && d && typeof d.name === 'string' && d.name)) {
      throw new DevLedgerError('BAD_COLLECTIONS_CONFIG', `${configPath} must be an array of collection definitions with a name`);
    }
    return new Collections(parsed as CollectionDefinition[], chaincodeName);
  }

  /** Throws unless `name` is a defined collection (same wording as Fabric's peer). */
  check(name: string): void {
    this.lookup(name);
  }

  /** Throws unless the creator's MSP may read the collection (memberOnlyRead restricts it to member orgs). */
  checkReadAccess(name: string, creatorMspId: string): void {
    const { definition, memberOrgs } = this.lookup(name);
    if (definition.memberOnlyRead && !memberOrgs.has(creatorMspId)) {
      throw new DevLedgerError(
        'COLLECTION_READ_DENIED',
        `tx creator does not have read access permission on privatedata in chaincodeName:${this.chaincodeName} collectionName: ${name}`,
      );
    }
  }

  /** Throws unless the creator's MSP may write the collection (memberOnlyWrite restricts it to member orgs). */
  checkWriteAccess(name: string, creatorMspId: string): void {
    const { definition, memberOrgs } = this.lookup(name);
    if (definition.memberOnlyWrite && !memberOrgs.has(creatorMspId)) {
      throw new DevLedgerError(
        'COLLECTION_WRITE_DENIED',
        `tx creator does not have write access permission on privatedata in chaincodeName:${this.chaincodeName} collectionName: ${name}`,
      );
    }
  }

  private lookup(name: string): { definition: CollectionDefinition; memberOrgs: Set<string> } {
    const found = this.byName.get(name);
    if (!found) {
      throw new DevLedgerError(
        'UNKNOWN_COLLECTION',
        `collection ${name} could not be found for chaincode ${this.chaincodeName}: collection ${name} not defined in the collection config`,
      );
    }
    return found;
  }
}

/**
 * The member orgs of a collection: every MSP its signature policy names (e.g. 'OrgMSP.member' in
 * "OR('OrgMSP.member', ...)"), as Fabric derives them from the policy's principals.
 */
function memberOrgsOf(policy: string | undefined): Set<string> {
  const orgs = new Set<string>();
  for (const match of (policy ?? '').matchAll(/['"]([^'"]+)\.(?:member|admin|client|peer|orderer)['"]/g)) {
    orgs.add(match[1]!);
  }
  return orgs;
}
