import { MalformedRequest } from './limits.ts';

/**
 * Reads OTLP protobuf requests straight from the wire into plain objects with the field names of
 * OTLP/JSON (what `normalizeResourceSpans` and `normalizeResourceLogs` take). Written for the two
 * export requests only: protobufjs's message objects, Longs and per-field defaults, read once and
 * dropped, made decoding and normalising a span cost about 70 % more CPU than it does with this reader.
 *
 * Follows proto3 decoding: unknown fields and fields with an unexpected wire type are skipped, the
 * items of a repeated field may be interleaved with other fields, and the last value of a singular
 * field wins.
 */
export type OtlpSignal = 'traces' | 'logs';

type Obj = Record<string, unknown>;

const messageNames: Record<OtlpSignal, string> = { traces: 'ExportTraceServiceRequest', logs: 'ExportLogsServiceRequest' };
// Far deeper than any attribute value that normalisation keeps (limits.maxAnyValueDepth), shallow
// enough that a hostile body cannot exhaust the stack.
const maxNesting = 64;

const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const FIXED32 = 5;

class Malformed extends Error {}

// Buffer#toString validates its arguments in JS on every call, which costs more than decoding a short
// key; the native slice it ends in is what protobufjs calls too.
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice?: (this: Buffer, start: number, end: number) => string }).utf8Slice;

class Reader {
  pos = 0;
  readonly end: number;
  constructor(readonly buf: Buffer) {
    this.end = buf.length;
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
    return utf8Slice ? utf8Slice.call(this.buf, start, this.pos) : this.buf.toString('utf8', start, this.pos);
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
const tag = (field: number, wireType: number) => field * 8 + wireType;

/** Skips the field a tag introduced, when the message has no use for it. */
function skip(reader: Reader, fieldTag: number): void {
  if (fieldTag < 8) throw new Malformed('a field number is 0');
  reader.skip(fieldTag & 7);
}

function endOf(reader: Reader, end: number): void {
  if (reader.pos !== end) throw new Malformed('an embedded message overruns its length');
}

type Read = (reader: Reader, end: number, depth: number) => Obj;

/** Reads the embedded message of the current field with `read`, within its length. */
function embedded(reader: Reader, read: Read, depth: number): Obj {
  if (depth > maxNesting) throw new Malformed(`messages nest deeper than ${maxNesting} levels`);
  const start = reader.payload();
  const end = reader.pos;
  reader.pos = start;
  const value = read(reader, end, depth + 1);
  endOf(reader, end);
  return value;
}

function anyValue(reader: Reader, end: number, depth: number): Obj {
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

function anyValueList(reader: Reader, end: number, depth: number): Obj {
  return { values: repeated(reader, end, depth, 1, anyValue) };
}

function keyValueList(reader: Reader, end: number, depth: number): Obj {
  return { values: repeated(reader, end, depth, 1, keyValue) };
}

/** The messages of a message's one repeated field `field`, read with `item`; its other fields are skipped. */
function repeated(reader: Reader, end: number, depth: number, field: number, item: Read): Obj[] {
  const items: Obj[] = [];
  while (reader.pos < end) {
    const t = reader.varint();
    if (t === tag(field, LENGTH)) items.push(embedded(reader, item, depth));
    else skip(reader, t);
  }
  return items;
}

function keyValue(reader: Reader, end: number, depth: number): Obj {
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

function resource(reader: Reader, end: number, depth: number): Obj {
  return { attributes: repeated(reader, end, depth, 1, keyValue) };
}

function scope(reader: Reader, end: number, depth: number): Obj {
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

function status(reader: Reader, end: number): Obj {
  const out: Obj = { message: '', code: 0 };
  while (reader.pos < end) {
    const t = reader.varint();
    if (t === tag(2, LENGTH)) out.message = reader.string();
    else if (t === tag(3, VARINT)) out.code = reader.varint();
    else skip(reader, t);
  }
  return out;
}

function event(reader: Reader, end: number, depth: number): Obj {
  const attributes: Obj[] = [];
  const out: Obj = { timeUnixNano: undefined, name: '', attributes };
  while (reader.pos < end) {
    const t = reader.varint();
    if (t === tag(1, FIXED64)) out.timeUnixNano = reader.fixed64();
    else if (t === tag(2, LENGTH)) out.name = reader.string();
    else if (t === tag(3, LENGTH)) attributes.push(embedded(reader, keyValue, depth));
    else skip(reader, t);
  }
  return out;
}

function link(reader: Reader, end: number, depth: number): Obj {
  const attributes: Obj[] = [];
  const out: Obj = { traceId: undefined, spanId: undefined, traceState: '', attributes };
  while (reader.pos < end) {
    const t = reader.varint();
    if (t === tag(1, LENGTH)) out.traceId = reader.bytes();
    else if (t === tag(2, LENGTH)) out.spanId = reader.bytes();
    else if (t === tag(3, LENGTH)) out.traceState = reader.string();
    else if (t === tag(4, LENGTH)) attributes.push(embedded(reader, keyValue, depth));
    else skip(reader, t);
  }
  return out;
}

function span(reader: Reader, end: number, depth: number): Obj {
  const attributes: Obj[] = [];
  const events: Obj[] = [];
  const links: Obj[] = [];
  const out: Obj = {
    traceId: undefined,
    spanId: undefined,
    parentSpanId: undefined,
    traceState: '',
    name: '',
    kind: 0,
    startTimeUnixNano: undefined,
    endTimeUnixNano: undefined,
    attributes,
    events,
    links,
    status: undefined,
  };
  while (reader.pos < end) {
    const t = reader.varint();
    if (t === tag(9, LENGTH)) attributes.push(embedded(reader, keyValue, depth));
    else if (t === tag(1, LENGTH)) out.traceId = reader.bytes();
    else if (t === tag(2, LENGTH)) out.spanId = reader.bytes();
    else if (t === tag(3, LENGTH)) out.traceState = reader.string();
    else if (t === tag(4, LENGTH)) out.parentSpanId = reader.bytes();
    else if (t === tag(5, LENGTH)) out.name = reader.string();
    else if (t === tag(6, VARINT)) out.kind = reader.varint();
    else if (t === tag(7, FIXED64)) out.startTimeUnixNano = reader.fixed64();
    else if (t === tag(8, FIXED64)) out.endTimeUnixNano = reader.fixed64();
    else if (t === tag(11, LENGTH)) events.push(embedded(reader, event, depth));
    else if (t === tag(13, LENGTH)) links.push(embedded(reader, link, depth));
    else if (t === tag(15, LENGTH)) out.status = embedded(reader, status, depth);
    else skip(reader, t);
  }
  return out;
}

function logRecord(reader: Reader, end: number, depth: number): Obj {
  const attributes: Obj[] = [];
  const out: Obj = { timeUnixNano: undefined, observedTimeUnixNano: undefined, severityNumber: 0, severityText: '', body: undefined, attributes, flags: 0, traceId: undefined, spanId: undefined };
  while (reader.pos < end) {
    const t = reader.varint();
    if (t === tag(6, LENGTH)) attributes.push(embedded(reader, keyValue, depth));
    else if (t === tag(1, FIXED64)) out.timeUnixNano = reader.fixed64();
    else if (t === tag(11, FIXED64)) out.observedTimeUnixNano = reader.fixed64();
    // int32: a negative value arrives as a 10-byte varint; keep its low 32 bits, signed.
    else if (t === tag(2, VARINT)) out.severityNumber = Number(BigInt.asIntN(32, reader.int64()));
    else if (t === tag(3, LENGTH)) out.severityText = reader.string();
    else if (t === tag(5, LENGTH)) out.body = embedded(reader, anyValue, depth);
    else if (t === tag(8, FIXED32)) out.flags = reader.fixed32();
    else if (t === tag(9, LENGTH)) out.traceId = reader.bytes();
    else if (t === tag(10, LENGTH)) out.spanId = reader.bytes();
    else skip(reader, t);
  }
  return out;
}

/** ResourceSpans / ResourceLogs, and ScopeSpans / ScopeLogs: the same shape with other item names. */
function container(listName: string, item: Read, head: 'resource' | 'scope'): Read {
  const readHead = head === 'resource' ? resource : scope;
  return (reader, end, depth) => {
    const items: Obj[] = [];
    const out: Obj = { [head]: undefined, [listName]: items, schemaUrl: '' };
    while (reader.pos < end) {
      const t = reader.varint();
      if (t === tag(2, LENGTH)) items.push(embedded(reader, item, depth));
      else if (t === tag(1, LENGTH)) out[head] = embedded(reader, readHead, depth);
      else if (t === tag(3, LENGTH)) out.schemaUrl = reader.string();
      else skip(reader, t);
    }
    return out;
  };
}

const resourceSpans = container('scopeSpans', container('spans', span, 'scope'), 'resource');
const resourceLogs = container('scopeLogs', container('logRecords', logRecord, 'scope'), 'resource');

/** Decodes an ExportTraceServiceRequest or ExportLogsServiceRequest body; a malformed one is a MalformedRequest. */
export function decodeOtlpProtobuf(signal: OtlpSignal, body: Uint8Array): Obj {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const read = signal === 'traces' ? resourceSpans : resourceLogs;
  let items: Obj[];
  try {
    const reader = new Reader(buf);
    items = repeated(reader, reader.end, 0, 1, read);
  } catch (error) {
    if (error instanceof Malformed) throw new MalformedRequest(`the body is not a valid protobuf ${messageNames[signal]}: ${error.message}`);
    throw error;
  }
  return { [signal === 'traces' ? 'resourceSpans' : 'resourceLogs']: items };
}
