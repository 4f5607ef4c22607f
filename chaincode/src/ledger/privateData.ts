/**
 * Private data: one collection per retailer, `${retailerMspId}PrivateCollection`, whose members are
 * the retailer and the utility (see collections_config.json). Private inputs arrive only as
 * transient data, so they never appear in the proposal's arguments or in blocks.
 */
import type { ChaincodeStub } from 'fabric-shim-api';
import { invalidArgument } from './errors';

export function retailerCollection(retailerMspId: string): string {
  return `${retailerMspId}PrivateCollection`;
}

/** Parses the transient field `name` as JSON; absent or malformed is INVALID_ARGUMENT. */
export function transientJson(stub: ChaincodeStub, name: string): unknown {
  const bytes = stub.getTransient().get(name);
  if (!bytes || bytes.length === 0) throw invalidArgument(`transient field "${name}" is required`);
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw invalidArgument(`transient field "${name}" is not valid JSON`);
  }
}

export function hasTransient(stub: ChaincodeStub, name: string): boolean {
  const bytes = stub.getTransient().get(name);
  return bytes !== undefined && bytes.length > 0;
}
