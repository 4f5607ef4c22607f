import crypto from 'node:crypto';
import { msp } from '@hyperledger/fabric-protos';
import { DevLedgerError } from '../errors';
import { isLowS } from './ecdsa';

export interface Creator {
  mspId: string;
  certificatePem: string;
}

interface CachedIdentity extends Creator {
  publicKey: crypto.KeyObject;
}

/**
 * Verifies ECDSA signatures against the X.509 certificate inside a serialized identity. It does
 * not validate the certificate chain against an MSP (the dev ledger has no channel MSPs).
 */
export class SignatureVerifier {
  private readonly cache = new Map<string, CachedIdentity>();

  identity(serializedIdentity: Uint8Array): CachedIdentity {
    // The identity's own bytes are the key (latin1 maps each byte to one char without encoding work).
    const cacheKey = Buffer.from(serializedIdentity.buffer, serializedIdentity.byteOffset, serializedIdentity.length).toString('latin1');
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    let identity: CachedIdentity;
    try {
      const decoded = msp.SerializedIdentity.deserializeBinary(serializedIdentity);
      const certificatePem = Buffer.from(decoded.getIdBytes_asU8()).toString('utf8');
      const certificate = new crypto.X509Certificate(certificatePem);
      identity = { mspId: decoded.getMspid(), certificatePem, publicKey: certificate.publicKey };
    } catch (error) {
      throw new DevLedgerError('BAD_IDENTITY', `creator is not a serialized X.509 identity: ${(error as Error).message}`);
    }
    if (!identity.mspId) throw new DevLedgerError('BAD_IDENTITY', 'creator has no MSP ID');
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cacheKey, identity);
    return identity;
  }

  /**
   * Rejects with BAD_SIGNATURE unless `signature` is a valid low-S ECDSA-SHA256 signature of `data`
   * by the identity. The check runs on libuv's thread pool, so verifications of concurrent requests
   * use the other core instead of queueing on the event loop (each costs ~60 µs of P-256 maths).
   */
  async verify(serializedIdentity: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<Creator> {
    const identity = this.identity(serializedIdentity);
    if (signature.length === 0) throw new DevLedgerError('BAD_SIGNATURE', 'missing signature');
    const valid = await new Promise<boolean>((resolve) => {
      try {
        if (!isLowS(signature)) return resolve(false);
        crypto.verify('sha256', data, { key: identity.publicKey, dsaEncoding: 'der' }, signature, (error, ok) => resolve(!error && ok));
      } catch {
        resolve(false); // malformed DER
      }
    });
    if (!valid) throw new DevLedgerError('BAD_SIGNATURE', `signature verification failed for an identity of ${identity.mspId}`);
    return identity;
  }
}
