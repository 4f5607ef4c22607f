import crypto from 'node:crypto';

/** Order of the P-256 group; Fabric accepts only signatures with S ≤ n/2 ("low-S"). */
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const P256_HALF_ORDER = P256_ORDER >> 1n;

/** The two INTEGER bodies of a DER ECDSA signature (SEQUENCE { INTEGER r, INTEGER s }), as views. */
function derIntegers(der: Uint8Array): { r: Uint8Array; s: Uint8Array } {
  let offset = 0;
  const readLength = (): number => {
    const first = der[offset++]!;
    if (first < 0x80) return first;
    let length = 0;
    for (let i = 0; i < (first & 0x7f); i++) length = (length << 8) | der[offset++]!;
    return length;
  };
  const readInteger = (): Uint8Array => {
    if (der[offset++] !== 0x02) throw new Error('malformed ECDSA signature');
    const length = readLength();
    const value = der.subarray(offset, offset + length);
    offset += length;
    return value;
  };
  if (der[offset++] !== 0x30) throw new Error('malformed ECDSA signature');
  readLength();
  const r = readInteger();
  const s = readInteger();
  if (offset !== der.length) throw new Error('malformed ECDSA signature');
  return { r, s };
}

const toBigInt = (bytes: Uint8Array) => BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));

/** Splits a DER ECDSA signature (SEQUENCE { INTEGER r, INTEGER s }) into r and s. */
export function parseDerSignature(der: Uint8Array): { r: bigint; s: bigint } {
  const { r, s } = derIntegers(der);
  return { r: toBigInt(r), s: toBigInt(s) };
}

function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

export function encodeDerSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

const P256_HALF_ORDER_BYTES = Buffer.from(P256_HALF_ORDER.toString(16).padStart(64, '0'), 'hex');

/** S ≤ n/2, compared on the big-endian bytes (this runs for every signature the ledger verifies). */
export function isLowS(signature: Uint8Array): boolean {
  let { s } = derIntegers(signature);
  while (s.length > 0 && s[0] === 0) s = s.subarray(1);
  if (s.length !== P256_HALF_ORDER_BYTES.length) return s.length < P256_HALF_ORDER_BYTES.length;
  return Buffer.compare(s, P256_HALF_ORDER_BYTES) <= 0;
}

/**
 * ECDSA P-256 / SHA-256 signature with S normalised to the lower half, as Fabric requires. `data`
 * may be given as consecutive chunks, which are signed as if joined.
 */
export function signLowS(data: Uint8Array | readonly Uint8Array[], privateKey: crypto.KeyObject): Buffer {
  let der: Buffer;
  if (data instanceof Uint8Array) der = crypto.sign('sha256', data, { key: privateKey, dsaEncoding: 'der' });
  else {
    const signer = crypto.createSign('sha256');
    for (const chunk of data) signer.update(chunk);
    der = signer.sign({ key: privateKey, dsaEncoding: 'der' });
  }
  return toLowS(der);
}

/**
 * {@link signLowS} of one message on libuv's thread pool, beside the event loop: for a client that
 * signs three messages per transaction while its event loop is the busiest thread.
 */
export function signLowSAsync(data: Uint8Array, privateKey: crypto.KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.sign('sha256', data, { key: privateKey, dsaEncoding: 'der' }, (error, der) => (error ? reject(error) : resolve(toLowS(der))));
  });
}

function toLowS(der: Buffer): Buffer {
  if (isLowS(der)) return der;
  const { r, s } = parseDerSignature(der);
  return encodeDerSignature(r, P256_ORDER - s);
}
