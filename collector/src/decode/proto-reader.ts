import { utf8Slice } from './utf8-cache.ts';

/**
 * A protobuf wire reader for the OTLP export requests, following proto3 decoding: unknown fields and
 * fields with an unexpected wire type are skipped, the items of a repeated field may be interleaved
 * with other fields, and the last value of a singular field wins. The message readers that build
 * objects here produce the field names of OTLP/JSON, for values too rare to deserve a direct path
 * (arrays and maps in attributes, events, links, log records).
 */
export type Obj = Record<string, unknown>;

// Far deeper than any attribute value that normalisation keeps (limits.maxAnyValueDepth), shallow
// enough that a hostile body cannot exhaust the stack.
export const maxNesting = 64;

export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH = 2;
export const FIXED32 = 5;

export class Malformed extends Error {}

export class Reader {
  pos = 0;
  readonly buf: Buffer;
  readonly end: number;
  constructor(body: Uint8Array) {
    this.buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    this.end = this.buf.length;
  }

  /** A varint as a Number: exact up to 2^53, which every length, tag, enum and 32-bit field fits. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Malformed('a varint runs past the end of its message');
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
    throw new Malformed('a varint is longer than 10 bytes');
  }

  /** A varint as a 64-bit two's-complement integer (int64). */
  int64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Malformed('a varint runs past the end of its message');
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asIntN(64, result);
      shift += 7n;
    }
    throw new Malformed('a varint is longer than 10 bytes');
  }

  fixed64(): bigint {
    return this.buf.readBigUInt64LE(this.take(8));
  }

  double(): number {
    return this.buf.readDoubleLE(this.take(8));
  }

  fixed32(): number {
    return this.buf.readUInt32LE(this.take(4));
  }

  /** Moves past a length-delimited field's payload and returns where it started. */
  payload(): number {
    return this.take(this.varint());
  }

  string(): string {
    const start = this.payload();
    return utf8Slice(this.buf, start, this.pos);
  }

  bytes(): Uint8Array {
    const start = this.payload();
    return this.buf.subarray(start, this.pos);
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === FIXED64) this.take(8);
    else if (wireType === LENGTH) this.payload();
    else if (wireType === FIXED32) this.take(4);
    else throw new Malformed(`wire type ${wireType} (groups are not part of OTLP)`);
  }

  /** Moves past the next `bytes` bytes, which must lie within the buffer, and returns where they started. */
  take(bytes: number): number {
    if (bytes > this.end - this.pos) throw new Malformed('a field runs past the end of its message');
    this.pos += bytes;
    return this.pos - bytes;
  }
}

/** A field's tag as it appears on the wire: field number and wire type in one varint. */
export const tag = (field: number, wireType: number) => field * 8 + wireType;

/** Skips the field a tag introduced, when the message has no use for it. */
export function skip(reader: Reader, fieldTag: number): void {
  if (fieldTag < 8) throw new Malformed('a field number is 0');
  reader.skip(fieldTag & 7);
}

export function endOf(reader: Reader, end: number): void {
  if (reader.pos !== end) throw new Malformed('an embedded message overruns its length');
}

export type Read<T = Obj> = (reader: Reader, end: number, depth: number) => T;

/** Reads the embedded message of the current field with `read`, within its length. */
export function embedded<T>(reader: Reader, read: Read<T>, depth: number): T {
  if (depth > maxNesting) throw new Malformed(`messages nest deeper than ${maxNesting} levels`);
  const start = reader.payload();
  const end = reader.pos;
  reader.pos = start;
  const value = read(reader, end, depth + 1);
  endOf(reader, end);
  return value;
}

export function anyValue(reader: Reader, end: number, depth: number): Obj {
  // A oneof: the last member on the wire is the one set.
  let value: Obj = {};
  while (reader.pos < end) {
    const t = reader.varint();
    if (t === tag(1, LENGTH)) value = { stringValue: reader.string() };
    else if (t === tag(2, VARINT)) value = { boolValue: reader.varint() !== 0 };
    else if (t === tag(3, VARINT)) value = { intValue: reader.int64().toString() };
    else if (t === tag(4, FIXED64)) value = { doubleValue: reader.double() };
    else if (t === tag(5, LENGTH)) value = { arrayValue: embedded(reader, anyValueList, depth) };
    else if (t === tag(6, LENGTH)) value = { kvlistValue: embedded(reader, keyValueList, depth) };
    else if (t === tag(7, LENGTH)) value = { bytesValue: reader.bytes() };
    else skip(reader, t);
  }
  return value;
}

export function anyValueList(reader: Reader, end: number, depth: number): Obj {
  return { values: repeated(reader, end, depth, 1, anyValue) };
}

export function keyValueList(reader: Reader, end: number, depth: number): Obj {
  return { values: repeated(reader, end, depth, 1, keyValue) };
}

/** The messages of a message's one repeated field `field`, read with `item`; its other fields are skipped. */
export function repeated(reader: Reader, end: number, depth: number, field: number, item: Read): Obj[] {
  const items: Obj[] = [];
  while (reader.pos < end) {
    const t = reader.varint();
    if (t === tag(field, LENGTH)) items.push(embedded(reader, item, depth));
    else skip(reader, t);
  }
  return items;
}

export function keyValue(reader: Reader, end: number, depth: number): Obj {
  let key = '';
  let value: Obj | undefined;
  while (reader.pos < end) {
    const t = reader.varint();
    if (t === tag(1, LENGTH)) key = reader.string();
    else if (t === tag(2, LENGTH)) value = embedded(reader, anyValue, depth);
    else skip(reader, t);
  }
  return value === undefined ? { key } : { key, value };
}

// The Resource and InstrumentationScope messages every OTLP signal shares.
export function resource(reader: Reader, end: number, depth: number): Obj {
  return { attributes: repeated(reader, end, depth, 1, keyValue) };
}

export function scope(reader: Reader, end: number, depth: number): Obj {
  const attributes: Obj[] = [];
  const out: Obj = { name: '', version: '', attributes };
  while (reader.pos < end) {
    const t = reader.varint();
    if (t === tag(1, LENGTH)) out.name = reader.string();
    else if (t === tag(2, LENGTH)) out.version = reader.string();
    else if (t === tag(3, LENGTH)) attributes.push(embedded(reader, keyValue, depth));
    else skip(reader, t);
  }
  return out;
}
