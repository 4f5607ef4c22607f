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

/**
 * A copy of bytes that will be kept (state values), in memory of its own: a small `Buffer.from()`
 * is a slice of a shared 8 KB pool, and one long-lived slice keeps the whole slab alive with
 * whatever short-lived data was allocated around it — ~5 KB per value kept while serving the
 * chaincode stream, 0.5 GB for a 100,000-write transaction.
 */
export function keptCopy(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  copy.set(bytes);
  return copy;
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

/** Byte strings shorter than this are copied into the writer's scratch buffer; longer ones are referenced. */
const COPY_BELOW = 512;
const FIRST_SCRATCH = 64;
const MAX_SCRATCH = 64 * 1024;

/**
 * Writes the fields of one message. Small fields are copied into a scratch buffer that grows in
 * chunks; large byte strings and nested writers are kept by reference, so a message nested many
 * levels deep (a transaction envelope holding a read/write set of tens of megabytes) is copied
 * once, by the outermost `finish()`, instead of once per level. A writer passed to `bytes()` must
 * not be written to afterwards.
 */
export class MessageWriter {
  private readonly parts: (Uint8Array | MessageWriter)[] = [];
  private scratch: Buffer = Buffer.alloc(0);
  private used = 0;
  private segmentStart = 0;
  private total = 0;

  /** `expectedSize`: about how many bytes the message will take, so that one scratch buffer holds it. */
  constructor(private readonly expectedSize = FIRST_SCRATCH) {}

  /** Encoded length so far. */
  get length(): number {
    return this.total;
  }

  /** A bytes/string/message field; omitted when empty unless `always` (a set sub-message with default content). */
  bytes(field: number, value: Uint8Array | string | MessageWriter | undefined, always = false): this {
    if (value === undefined) return this;
    if (typeof value === 'string') {
      const length = Buffer.byteLength(value, 'utf8');
      if (length === 0 && !always) return this;
      this.tag(field, WIRE_LENGTH_DELIMITED);
      this.writeVarint(length);
      if (length < COPY_BELOW) {
        this.reserve(length);
        this.used += this.scratch.write(value, this.used, length, 'utf8');
        this.total += length;
      } else {
        this.reference(Buffer.from(value, 'utf8'));
      }
      return this;
    }
    if (value.length === 0 && !always) return this;
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.writeVarint(value.length);
    if (value instanceof MessageWriter || value.length >= COPY_BELOW) this.reference(value);
    else {
      this.reserve(value.length);
      this.scratch.set(value, this.used);
      this.used += value.length;
      this.total += value.length;
    }
    return this;
  }

  /**
   * The tag and length of a sub-message whose `length` bytes of fields the caller writes next, on
   * this writer: small nested messages are then written in place, without a writer of their own.
   */
  header(field: number, length: number): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.writeVarint(length);
    return this;
  }

  /** An integer or bool field (int32, uint64, enum, bool); omitted when 0/false. Negative int32 take ten bytes, as in protobuf. */
  varint(field: number, value: number | boolean): this {
    const n = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    if (n === 0) return this;
    if (!Number.isSafeInteger(n)) throw new WireFormatError(`cannot encode ${n} as a varint`);
    this.tag(field, WIRE_VARINT);
    if (n > 0) this.writeVarint(n);
    else this.copy(negativeVarintBytes(n));
    return this;
  }

  /** The encoded message as one buffer (the writer's own scratch when it holds everything, otherwise one copy). */
  finish(): Buffer {
    this.closeSegment();
    if (this.parts.length === 0) return Buffer.alloc(0);
    const only = this.parts[0]!;
    if (this.parts.length === 1 && only instanceof Buffer) return only;
    const out = Buffer.allocUnsafe(this.total);
    this.copyInto(out, 0);
    return out;
  }

  /** The encoded bytes as a list of views, in order, without joining them (for hashing and signing). */
  chunks(out: Uint8Array[] = []): Uint8Array[] {
    this.closeSegment();
    for (const part of this.parts) {
      if (part instanceof MessageWriter) part.chunks(out);
      else out.push(part);
    }
    return out;
  }

  private copyInto(target: Buffer, offset: number): number {
    this.closeSegment();
    for (const part of this.parts) {
      if (part instanceof MessageWriter) offset = part.copyInto(target, offset);
      else {
        target.set(part, offset);
        offset += part.length;
      }
    }
    return offset;
  }

  private tag(field: number, wireType: number): void {
    this.writeVarint(field * 8 + wireType);
  }

  private writeVarint(n: number): void {
    this.reserve(10);
    const scratch = this.scratch;
    let at = this.used;
    while (n >= 128) {
      scratch[at++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    scratch[at++] = n;
    this.total += at - this.used;
    this.used = at;
  }

  private copy(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.scratch.set(bytes, this.used);
    this.used += bytes.length;
    this.total += bytes.length;
  }

  private reference(part: Uint8Array | MessageWriter): void {
    this.closeSegment();
    this.parts.push(part);
    this.total += part.length;
  }

  /** Ends the current run of scratch bytes as one part. */
  private closeSegment(): void {
    if (this.used > this.segmentStart) {
      this.parts.push(this.scratch.subarray(this.segmentStart, this.used));
      this.segmentStart = this.used;
    }
  }

  private reserve(n: number): void {
    if (this.scratch.length - this.used >= n) return;
    this.closeSegment();
    const size = Math.max(n, Math.min(MAX_SCRATCH, Math.max(this.expectedSize, this.scratch.length * 4)));
    this.scratch = Buffer.allocUnsafe(size);
    this.used = 0;
    this.segmentStart = 0;
  }
}

/** Encoded size of a non-negative varint. */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Encoded size of a length-delimited field with a one-byte tag (fields 1–15) and `length` bytes of content. */
export function delimitedSize(length: number): number {
  return 1 + varintSize(length) + length;
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
