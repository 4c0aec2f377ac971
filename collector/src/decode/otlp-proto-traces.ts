import { emptyAttributes, type Attributes, type Decoded, type Span } from '../model/span.ts';
import { admitsKey, anyValueToText, setAttribute, type AttributeStats } from './attributes.ts';
import { MalformedRequest, RejectedItem, type DecodeLimits } from './limits.ts';
import { enumField, kindNames, kinds, normalizeEvents, normalizeLinks, note, statuses, statusNames } from './otlp-traces.ts';
import { anyValueList, embedded, endOf, FIXED64, keyValue, keyValueList, LENGTH, Malformed, Reader, scope, skip, tag, VARINT, type Obj } from './proto-reader.ts';
import { Utf8Cache } from './utf8-cache.ts';
import { readNanos } from './wire-values.ts';

/**
 * Reads an OTLP protobuf ExportTraceServiceRequest straight into normalised spans: attribute keys and
 * values go from the wire to the span's attribute record, with no message objects in between, and
 * recurring strings are taken from a cache instead of being decoded again. Gives exactly what parsing
 * the request and `normalizeResourceSpans` give (collector/src/decode/otlp-wire.test.ts compares them
 * with protobufjs), including which spans are rejected and why.
 */
export function decodeOtlpProtobufTraces(body: Uint8Array, limits: DecodeLimits, stats: AttributeStats): Decoded<Span> {
  const reader = new TraceReader(new Reader(body), limits, stats);
  try {
    return reader.request();
  } catch (error) {
    if (error instanceof Malformed) throw new MalformedRequest(`the body is not a valid protobuf ExportTraceServiceRequest: ${error.message}`);
    throw error;
  }
}

// One per thread: keys and common values recur across requests and senders.
const keyCache = new Utf8Cache(4096, 64);
const valueCache = new Utf8Cache(4096, 64);
const hexSlice = (Buffer.prototype as unknown as { hexSlice: (this: Buffer, start: number, end: number) => string }).hexSlice;

/** Where a length-delimited field's payload lies; start -1: the field was absent. */
interface Range {
  start: number;
  end: number;
}
const absent: Range = { start: -1, end: -1 };

class TraceReader implements AttributeStats {
  private readonly out: Decoded<Span> = { items: [], rejected: 0, rejectReasons: [] };
  // The key/value pair the last keyValue() read (an array or map value still as read, rendered only if
  // the attribute is kept), and the first reason a value could not be rendered.
  private key = '';
  private text = '';
  private nestedValue: Obj | undefined;
  private valueProblem: string | undefined;
  /** Values cut at a limit in the span being read, counted into `stats` once it is kept. */
  truncated = 0;

  // The two message readers the hot path hands to `embedded`, made once.
  private readonly readKeyValue = (_reader: Reader, end: number, depth: number) => this.keyValue(end, depth);
  private readonly readAnyValue = (_reader: Reader, end: number, depth: number) => this.anyValue(end, depth);

  constructor(
    private readonly reader: Reader,
    private readonly limits: DecodeLimits,
    private readonly stats: AttributeStats,
  ) {}

  request(): Decoded<Span> {
    const r = this.reader;
    while (r.pos < r.end) {
      const t = r.varint();
      if (t === tag(1, LENGTH)) this.resourceSpans(this.payload());
      else skip(r, t);
    }
    return this.out;
  }

  /** Moves past the current field's payload and gives its range. */
  private payload(): Range {
    const start = this.reader.payload();
    return { start, end: this.reader.pos };
  }

  /** Reads `range` with `read`, then carries on after the field that held it. */
  private within<T>(range: Range, read: (end: number) => T): T {
    const r = this.reader;
    const after = r.pos;
    r.pos = range.start;
    const value = read(range.end);
    endOf(r, range.end);
    r.pos = after;
    return value;
  }

  // Depths follow the message nesting (request 0, ResourceSpans 1, ScopeSpans 2, Span 3), so that the
  // object readers used below refuse the same nesting as everywhere else.
  private resourceSpans(range: Range): void {
    const r = this.reader;
    r.pos = range.start;
    // The resource may follow its spans on the wire: find every part first.
    let resource = absent;
    const scopes: Range[] = [];
    while (r.pos < range.end) {
      const t = r.varint();
      if (t === tag(1, LENGTH)) resource = this.payload();
      else if (t === tag(2, LENGTH)) scopes.push(this.payload());
      else skip(r, t);
    }
    endOf(r, range.end);
    const attributes = resource === absent ? {} : this.within(resource, (end) => this.resource(end));
    for (const scope of scopes) this.within(scope, (end) => this.scopeSpans(end, attributes));
  }

  /** A broken resource spoils every span under it, so the request as a whole is refused. */
  private resource(end: number): Attributes {
    const r = this.reader;
    const attributes = emptyAttributes();
    const keys: string[] = [];
    this.truncated = 0;
    this.valueProblem = undefined;
    while (r.pos < end) {
      const t = r.varint();
      if (t === tag(1, LENGTH)) this.attribute(attributes, keys, 2);
      else skip(r, t);
    }
    this.stats.truncated += this.truncated;
    if (this.valueProblem !== undefined) throw new MalformedRequest(`a resource's attributes are malformed: ${this.take()}`);
    return attributes;
  }

  private scopeSpans(end: number, resource: Attributes): void {
    const r = this.reader;
    let head = absent;
    const spans: Range[] = [];
    while (r.pos < end) {
      const t = r.varint();
      if (t === tag(2, LENGTH)) spans.push(this.payload());
      else if (t === tag(1, LENGTH)) head = this.payload();
      else skip(r, t);
    }
    // Its attributes are not stored, but read, so that a malformed one is refused as anywhere else.
    const instrumentation = head === absent ? undefined : this.within(head, (scopeEnd) => scope(r, scopeEnd, 3));
    const name = (instrumentation?.name as string | undefined) ?? '';
    const version = (instrumentation?.version as string | undefined) ?? '';
    for (const span of spans) {
      if (this.out.items.length + this.out.rejected >= this.limits.maxSpansPerRequest) {
        this.out.rejected++;
        note(this.out, `more than ${this.limits.maxSpansPerRequest} spans in one request`);
        continue;
      }
      try {
        this.out.items.push(this.within(span, (spanEnd) => this.span(spanEnd, resource, name, version)));
      } catch (error) {
        if (!(error instanceof RejectedItem)) throw error;
        this.out.rejected++;
        note(this.out, error.message);
      }
    }
  }

  /** A span, read whole before it is judged, so that a malformed field anywhere refuses the request. */
  private span(end: number, resource: Attributes, scopeName: string, scopeVersion: string): Span {
    const r = this.reader;
    let traceId = absent;
    let spanId = absent;
    let parentSpanId = absent;
    let traceState = '';
    let name = '';
    let kind = 0;
    let start: bigint | undefined;
    let finish: bigint | undefined;
    let statusCode = 0;
    let statusMessage = '';
    const attributes = emptyAttributes();
    const attributeKeys: string[] = [];
    const events: Obj[] = [];
    const links: Obj[] = [];
    this.truncated = 0;
    this.valueProblem = undefined;
    while (r.pos < end) {
      const t = r.varint();
      if (t === tag(9, LENGTH)) this.attribute(attributes, attributeKeys, 3);
      else if (t === tag(1, LENGTH)) traceId = this.payload();
      else if (t === tag(2, LENGTH)) spanId = this.payload();
      else if (t === tag(4, LENGTH)) parentSpanId = this.payload();
      else if (t === tag(5, LENGTH)) name = valueCache.get(r.buf, r.payload(), r.pos);
      else if (t === tag(6, VARINT)) kind = r.varint();
      else if (t === tag(7, FIXED64)) start = r.fixed64();
      else if (t === tag(8, FIXED64)) finish = r.fixed64();
      else if (t === tag(3, LENGTH)) traceState = r.string();
      else if (t === tag(11, LENGTH)) events.push(embedded(r, event, 3));
      else if (t === tag(13, LENGTH)) links.push(embedded(r, link, 3));
      else if (t === tag(15, LENGTH)) {
        const status = embedded(r, readStatus, 3);
        statusCode = status.code as number;
        statusMessage = status.message as string;
      } else skip(r, t);
    }
    const traceIdHex = this.id(traceId, 16, 'traceId', false);
    const spanIdHex = this.id(spanId, 8, 'spanId', false);
    const parentSpanIdHex = this.id(parentSpanId, 8, 'parentSpanId', true);
    const startNs = readNanos(start, 'startTimeUnixNano');
    const endNs = readNanos(finish, 'endTimeUnixNano');
    if (events.length > this.limits.maxEventsPerSpan) this.stats.truncated++;
    if (links.length > this.limits.maxLinksPerSpan) this.stats.truncated++;
    const spanKind = enumField(kind, kinds, kindNames, 'kind');
    const code = enumField(statusCode, statuses, statusNames, 'status.code');
    this.stats.truncated += this.truncated;
    if (this.valueProblem !== undefined) throw new RejectedItem(this.take());
    return {
      traceId: traceIdHex,
      spanId: spanIdHex,
      parentSpanId: parentSpanIdHex,
      traceState,
      name,
      kind: spanKind,
      startNs,
      endNs: endNs < startNs ? startNs : endNs,
      statusCode: code,
      statusMessage,
      attributes,
      attributeKeys,
      resource,
      scopeName,
      scopeVersion,
      events: normalizeEvents(events, this.limits, this.stats),
      links: normalizeLinks(links, 'proto', this.limits, this.stats),
    };
  }

  /**
   * One KeyValue (a field of the message at `depth`) into `attributes`, and its key into `keys` if new,
   * as `flattenAttributes` adds it: empty keys dropped, past the attribute limit dropped (and counted),
   * keys and values cut at their limits.
   */
  private attribute(attributes: Attributes, keys: string[], depth: number): void {
    if (!this.stringKeyValue()) embedded(this.reader, this.readKeyValue, depth);
    if (!admitsKey(keys, this.key, this.limits, this)) return;
    setAttribute(attributes, keys, this.key, this.nestedValue === undefined ? this.text : this.nested(this.nestedValue), this.limits, this);
  }

  /**
   * The layout nearly every attribute has on the wire, a short key then a value holding one short
   * string, read into `key` and `text` as `keyValue` would read it but without walking the two messages
   * field by field. Any other layout (long or nested values, fields repeated or out of order, a length
   * that does not add up) is left to `keyValue`: false, nothing consumed.
   */
  private stringKeyValue(): boolean {
    const r = this.reader;
    const buf = r.buf;
    const at = r.pos;
    // KeyValue length, key tag and length, key; value tag and length, string_value tag and length, text:
    // every length a one-byte varint, and the three lengths ending together.
    const size = buf[at]!;
    const end = at + 1 + size;
    if (size < 6 || size >= 0x80 || end > r.end || buf[at + 1] !== tag(1, LENGTH)) return false;
    const keyEnd = at + 3 + buf[at + 2]!;
    if (buf[at + 2]! >= 0x80 || keyEnd + 4 > end || buf[keyEnd] !== tag(2, LENGTH) || buf[keyEnd + 2] !== tag(1, LENGTH)) return false;
    if (buf[keyEnd + 1]! >= 0x80 || keyEnd + 2 + buf[keyEnd + 1]! !== end || buf[keyEnd + 3]! >= 0x80 || keyEnd + 4 + buf[keyEnd + 3]! !== end) return false;
    this.key = keyCache.get(buf, at + 3, keyEnd);
    this.text = valueCache.get(buf, keyEnd + 4, end);
    this.nestedValue = undefined;
    r.pos = end;
    return true;
  }

  /** A KeyValue message's key and its value as text, into `key` and `text`; the last of each wins. */
  private keyValue(end: number, depth: number): void {
    const r = this.reader;
    this.key = '';
    this.text = '';
    this.nestedValue = undefined;
    while (r.pos < end) {
      const t = r.varint();
      if (t === tag(1, LENGTH)) this.key = keyCache.get(r.buf, r.payload(), r.pos);
      else if (t === tag(2, LENGTH)) this.text = embedded(r, this.readAnyValue, depth);
      else skip(r, t);
    }
  }

  /**
   * An AnyValue as text, as `anyValueToText` renders it, or an array or map into `nestedValue`; a oneof,
   * so the last member on the wire is the one set.
   */
  private anyValue(end: number, depth: number): string {
    const r = this.reader;
    let text = '';
    this.nestedValue = undefined;
    while (r.pos < end) {
      const t = r.varint();
      let nested: Obj | undefined;
      if (t === tag(1, LENGTH)) text = valueCache.get(r.buf, r.payload(), r.pos);
      else if (t === tag(2, VARINT)) text = r.varint() !== 0 ? 'true' : 'false';
      else if (t === tag(3, VARINT)) text = r.int64().toString();
      else if (t === tag(4, FIXED64)) text = String(r.double());
      else if (t === tag(5, LENGTH)) nested = { arrayValue: embedded(r, anyValueList, depth) };
      else if (t === tag(6, LENGTH)) nested = { kvlistValue: embedded(r, keyValueList, depth) };
      else if (t === tag(7, LENGTH)) text = Buffer.from(r.bytes()).toString('base64');
      else {
        skip(r, t);
        continue;
      }
      this.nestedValue = nested;
    }
    return text;
  }

  /** An array or map value as JSON; one nested too deep rejects its span, once the span is read. */
  private nested(value: Obj): string {
    try {
      return anyValueToText(value, this.limits, 0);
    } catch (error) {
      if (!(error instanceof RejectedItem)) throw error;
      this.valueProblem ??= error.message;
      return '';
    }
  }

  private take(): string {
    const problem = this.valueProblem!;
    this.valueProblem = undefined;
    return problem;
  }

  /** A trace or span id as lowercase hex; an absent, empty or all-zero optional id reads as ''. */
  private id(range: Range, bytes: number, name: string, optional: boolean): string {
    const buf = this.reader.buf;
    const length = range.end - range.start;
    if (length !== 0 && length !== bytes) throw new RejectedItem(`${name} has ${length} bytes, expected ${bytes}`);
    let zero = true;
    for (let i = range.start; i < range.end && zero; i++) zero = buf[i] === 0;
    if (zero) {
      if (optional) return '';
      throw new RejectedItem(`${name} is missing or all zero`);
    }
    return hexSlice.call(buf, range.start, range.end);
  }
}

function readStatus(reader: Reader, end: number): Obj {
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

