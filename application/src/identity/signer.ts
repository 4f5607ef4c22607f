/**
 * Fast transaction signing for fabric-gateway: Node's crypto (OpenSSL) instead of the gateway's
 * default JavaScript signer, with S normalised to the lower half of the curve order because
 * Fabric rejects high-S ECDSA signatures. Use with `connect({ hash: hash.none, signer })`:
 * the signer receives the whole message and hashes it with SHA-256 itself. Signing runs on libuv's
 * thread pool, so the event loop serving HTTP requests and gRPC responses does not wait for it.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { Signer } from '@hyperledger/fabric-gateway';

const CURVE_ORDERS: Record<string, bigint> = {
  prime256v1: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  secp384r1: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};

export const P256_ORDER = CURVE_ORDERS['prime256v1']!;

export function newFastSigner(privateKey: string | KeyObject): Signer {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const order = curve === undefined ? undefined : CURVE_ORDERS[curve];
  if (key.asymmetricKeyType !== 'ec' || order === undefined) {
    throw new Error(`Fabric identities sign with ECDSA P-256 or P-384 keys; this key is ${key.asymmetricKeyType} ${curve ?? ''}`.trim());
  }
  return (message: Uint8Array): Promise<Uint8Array> =>
    new Promise((resolve, reject) => sign('sha256', message, key, (error, signature) => (error ? reject(error) : resolve(toLowS(signature, order)))));
}

/** Rewrites a DER ECDSA signature (r, s) as (r, n - s) when s > n/2; low-S signatures are returned as they are. */
export function toLowS(derSignature: Uint8Array, curveOrder: bigint = P256_ORDER): Uint8Array {
  const { r, s } = decodeDerSignature(derSignature);
  if (s <= curveOrder >> 1n) return derSignature;
  return encodeDerSignature(r, curveOrder - s);
}

export function decodeDerSignature(der: Uint8Array): { r: bigint; s: bigint } {
  const bytes = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  let offset = 0;
  const expect = (condition: boolean): void => {
    if (!condition) throw new Error('Not a DER-encoded ECDSA signature');
  };
  const readLength = (): number => {
    expect(offset < bytes.length);
    const first = bytes[offset++]!;
    if (first < 0x80) return first;
    expect(first === 0x81 && offset < bytes.length);
    return bytes[offset++]!;
  };
  const readInteger = (): bigint => {
    expect(bytes[offset++] === 0x02);
    const length = readLength();
    expect(length > 0 && offset + length <= bytes.length);
    const value = BigInt(`0x${bytes.subarray(offset, offset + length).toString('hex')}`);
    offset += length;
    return value;
  };
  expect(bytes[offset++] === 0x30);
  const sequenceLength = readLength();
  expect(offset + sequenceLength === bytes.length);
  const r = readInteger();
  const s = readInteger();
  expect(offset === bytes.length);
  return { r, s };
}

export function encodeDerSignature(r: bigint, s: bigint): Uint8Array {
  const integer = (value: bigint): Buffer => {
    let hex = value.toString(16);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    let body = Buffer.from(hex, 'hex');
    if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
    return Buffer.concat([Buffer.from([0x02, body.length]), body]);
  };
  const content = Buffer.concat([integer(r), integer(s)]);
  const length = content.length < 0x80 ? Buffer.from([content.length]) : Buffer.from([0x81, content.length]);
  return new Uint8Array(Buffer.concat([Buffer.from([0x30]), length, content]));
}
