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
 * member of every collection, so only the names matter for access.
 */
export class Collections {
  private readonly names: Set<string>;

  constructor(
    readonly definitions: CollectionDefinition[],
    private readonly chaincodeName: string,
  ) {
    this.names = new Set(definitions.map((d) => d.name));
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
    if (!this.names.has(name)) {
      throw new DevLedgerError(
        'UNKNOWN_COLLECTION',
        `collection ${name} could not be found for chaincode ${this.chaincodeName}: collection ${name} not defined in the collection config`,
      );
    }
  }
}
