/**
 * Minimal protobuf wire-format reading and writing for the few Fabric messages on the hot path
 * (proposal pre-processing, the prepared transaction, read/write sets). Decoding and re-encoding
 * them through google-protobuf's object model cost more CPU per transaction than the rest of the
 * endorsement; these helpers read fields in place and write bytes directly, in field-number order
 * and omitting proto3 defaults, exactly as google-protobuf serialises them.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

export class WireFormatError extends Error {}

/** One top-level field of a message: a varint value or the bytes of a length-delimited field. */
export interface WireField {
  field: number;
  /** Varint value (exact up to 2^53). */
  varint?: number;
  /** The varint's low 32 bits as a signed integer: the value of an int32 field, negatives included. */
  int32?: number;
  bytes?: Uint8Array;
}

function readVarint(buf: Uint8Array, at: number): [value: number, next: number, int32: number] {
  let value = 0;
  let low = 0;
  let multiplier = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= buf.length) throw new WireFormatError('truncated varint');
    const byte = buf[at++]!;
    value += (byte & 0x7f) * multiplier;
    if (i < 5) low |= (byte & 0x7f) << (7 * i);
    if (byte < 0x80) return [value, at, low | 0];
    multiplier *= 128;
  }
  throw new WireFormatError('varint longer than 10 bytes');
}

/** The fields of one message, in wire order. Throws WireFormatError on malformed input. */
export function readFields(buf: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  while (at < buf.length) {
    const [tag, afterTag] = readVarint(buf, at);
    at = afterTag;
    const field = Math.floor(tag / 8);
    if (field === 0) throw new WireFormatError('field number 0');
    switch (tag & 7) {
      case WIRE_VARINT: {
        const [value, next, int32] = readVarint(buf, at);
        fields.push({ field, varint: value, int32 });
        at = next;
        break;
      }
      case WIRE_LENGTH_DELIMITED: {
        const [length, start] = readVarint(buf, at);
        const end = start + length;
        if (end > buf.length) throw new WireFormatError('truncated length-delimited field');
        fields.push({ field, bytes: buf.subarray(start, end) });
        at = end;
        break;
      }
      case WIRE_FIXED64:
        at += 8;
        break;
      case WIRE_FIXED32:
        at += 4;
        break;
      default:
        throw new WireFormatError(`unsupported wire type ${tag & 7}`);
    }
    if (at > buf.length) throw new WireFormatError('truncated field');
  }
  return fields;
}

/** Last occurrence of a length-delimited field (proto3: the last value wins), or an empty array. */
export function bytesOf(fields: WireField[], field: number): Uint8Array {
  for (let i = fields.length - 1; i >= 0; i--) if (fields[i]!.field === field && fields[i]!.bytes) return fields[i]!.bytes!;
  return EMPTY;
}

export function stringOf(fields: WireField[], field: number): string {
  const bytes = bytesOf(fields, field);
  return bytes.length === 0 ? '' : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
}

export function varintOf(fields: WireField[], field: number): number {
  for (let i = fields.length - 1; i >= 0; i--) if (fields[i]!.field === field && fields[i]!.varint !== undefined) return fields[i]!.varint!;
  return 0;
}

/** An int32 field (negative values are sign-extended ten-byte varints on the wire). */
export function int32Of(fields: WireField[], field: number): number {
  for (let i = fields.length - 1; i >= 0; i--) if (fields[i]!.field === field && fields[i]!.int32 !== undefined) return fields[i]!.int32!;
  return 0;
}

const EMPTY = new Uint8Array(0);

/** Collects the encoded fields of one message; `finish()` returns its bytes. */
export class MessageWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  /** A bytes/string/message field; omitted when empty unless `always` (a set sub-message with default content). */
  bytes(field: number, value: Uint8Array | string | undefined, always = false): this {
    if (value === undefined) return this;
    const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    if (data.length === 0 && !always) return this;
    this.push(varintBytes(field * 8 + WIRE_LENGTH_DELIMITED));
    this.push(varintBytes(data.length));
    this.push(data);
    return this;
  }

  /** An integer or bool field (int32, uint64, enum, bool); omitted when 0/false. Negative int32 take ten bytes, as in protobuf. */
  varint(field: number, value: number | boolean): this {
    const n = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    if (n === 0) return this;
    if (!Number.isSafeInteger(n)) throw new WireFormatError(`cannot encode ${n} as a varint`);
    this.push(varintBytes(field * 8 + WIRE_VARINT));
    this.push(n > 0 ? varintBytes(n) : negativeVarintBytes(n));
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }

  private push(part: Uint8Array): void {
    this.parts.push(part);
    this.length += part.length;
  }
}

const SMALL_VARINTS = Array.from({ length: 128 }, (_, i) => Uint8Array.of(i));

function varintBytes(n: number): Uint8Array {
  if (n < 128) return SMALL_VARINTS[n]!;
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

function negativeVarintBytes(n: number): Uint8Array {
  let value = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (value >= 128n) {
    out.push(Number(value & 0x7fn) | 0x80);
    value >>= 7n;
  }
  out.push(Number(value));
  return Uint8Array.from(out);
}
