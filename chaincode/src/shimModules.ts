/**
 * The modules fabric-shim itself uses (its own copies, wherever npm placed them), for the small
 * adjustments to the shim in shimLogging, shimIdentityCache and shimBatching.
 */
import path from 'path';

const SHIM_DIR = path.dirname(require.resolve('fabric-shim'));

/** A package as fabric-shim resolves it. */
export function requireFromShim<T>(id: string): T {
  return require(require.resolve(id, { paths: [SHIM_DIR] })) as T;
}

/** One of fabric-shim's own files under lib/. */
export function requireShimFile<T>(file: string): T {
  return require(path.join(SHIM_DIR, 'lib', file)) as T;
}
