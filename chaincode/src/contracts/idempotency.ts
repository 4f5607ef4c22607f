/**
 * Idempotency keys belong to the calling identity, not to a household: a key names one request
 * of one Fabric identity (MSP ID + `ClientIdentity.getID()`), whatever household it was for, and
 * a retry of that request by the same identity lands on the same ledger key.
 */
import { createHash } from 'crypto';

export interface CallerIdentity {
  mspId: string;
  id: string;
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** SHA-256 of `mspId|id`: the identity part of idempotency keys, fixed-length and free of certificate text. */
export function identityDigest(caller: CallerIdentity): string {
  return sha256Hex(`${caller.mspId}|${caller.id}`);
}

/** `o-` + the first 32 hex digits of SHA-256(`mspId|id|idempotencyKey`) of the placing identity. */
export function orderIdOf(caller: CallerIdentity, idempotencyKey: string): string {
  return `o-${sha256Hex(`${caller.mspId}|${caller.id}|${idempotencyKey}`).slice(0, 32)}`;
}
