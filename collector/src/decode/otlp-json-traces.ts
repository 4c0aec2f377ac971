import { emptyAttributes, type Attributes, type Decoded, type Span } from '../model/span.ts';
import { admitsKey, attributeValueText, setAttribute, type AttributeStats } from './attributes.ts';
import { JsonPattern, JsonScanner, unscannable } from './json-scanner.ts';
import { MalformedRequest, RejectedItem, type DecodeLimits } from './limits.ts';
import { enumField, kindNames, kinds, listOrEmpty, normalizeEvents, normalizeLinks, statuses, statusNames } from './otlp-traces.ts';
import { Utf8Cache, utf8Slice } from './utf8-cache.ts';
import { readId, readNanos } from './wire-values.ts';

const keyCache = new Utf8Cache(1024, 64);
const valueCache = new Utf8Cache(4096, 64);

const QUOTE = 0x22;
const OPEN_OBJECT = 0x7b;

// A string attribute as OpenTelemetry's SDKs and the Collector write it, its members in this order.
const attributeOpen = new JsonPattern('{"key":');
const stringValueOpen = new JsonPattern(',"value":{"stringValue":');
const attributeClose = new JsonPattern('}}');

// proto3's JSON mapping also allows the original field names. A body that uses them, repeats a list or
// puts a span's resource after its spans is left to the general reader, which handles every case.
const protoNames = new Set(['resource_spans', 'scope_spans', 'trace_id', 'span_id', 'parent_span_id', 'trace_state', 'start_time_unix_nano', 'end_time_unix_nano']);

/**
 * Reads an OTLP/JSON ExportTraceServiceRequest from its bytes straight into spans, without the object
 * tree JSON.parse builds (three objects and a key string for every attribute). Returns undefined for
 * any body it leaves to `normalizeResourceSpans` over JSON.parse — invalid JSON, a span that reader would
 * refuse, a shape this one does not follow — so that whichever reads a body, the spans are the same.
 */
export function scanOtlpJsonTraces(body: Uint8Array, limits: DecodeLimits, stats: AttributeStats): Decoded<Span> | undefined {
  const scan = new TraceScan(new JsonScanner(Buffer.from(body.buffer, body.byteOffset, body.byteLength)), limits);
  try {
    const items = scan.request();
    stats.truncated += scan.truncated;
    return { items, rejected: 0, rejectReasons: [] };
  } catch (error) {
    if (error === unscannable || error instanceof RejectedItem || error instanceof MalformedRequest) return undefined;
    throw error;
  }
}

class TraceScan implements AttributeStats {
  truncated = 0;
  private readonly spans: Span[] = [];

  constructor(
    private readonly s: JsonScanner,
    private readonly limits: DecodeLimits,
  ) {}

  request(): Span[] {
    const s = this.s;
    let listed = false;
    for (let key = s.firstKey(keyCache); key !== undefined; key = s.nextKey(keyCache)) {
      if (key !== 'resourceSpans') this.other(key);
      else if (listed) throw unscannable;
      else {
        listed = true;
        if (!s.isNull() && s.firstItem()) do this.resourceSpans();
        while (s.nextItem());
      }
    }
    s.end();
    return this.spans;
  }

  private resourceSpans(): void {
    const s = this.s;
    let resource: Attributes | undefined;
    let scoped = false;
    for (let key = s.firstKey(keyCache); key !== undefined; key = s.nextKey(keyCache)) {
      if (key === 'resource') {
        if (resource !== undefined || scoped) throw unscannable;
        resource = this.resource();
      } else if (key === 'scopeSpans') {
        if (scoped) throw unscannable;
        scoped = true;
        const shared = (resource ??= emptyAttributes());
        if (!s.isNull() && s.firstItem()) do this.scopeSpans(shared);
        while (s.nextItem());
      } else this.other(key);
    }
  }

  private resource(): Attributes {
    const s = this.s;
    let attributes: Attributes | undefined;
    if (s.isNull()) return emptyAttributes();
    for (let key = s.firstKey(keyCache); key !== undefined; key = s.nextKey(keyCache)) {
      if (key !== 'attributes') s.skip();
      else if (attributes !== undefined) throw unscannable;
      else attributes = this.attributes([]);
    }
    return attributes ?? emptyAttributes();
  }

  private scopeSpans(resource: Attributes): void {
    const s = this.s;
    let scopeName = '';
    let scopeVersion = '';
    let scoped = false;
    let spanned = false;
    for (let key = s.firstKey(keyCache); key !== undefined; key = s.nextKey(keyCache)) {
      if (key === 'scope') {
        if (scoped || spanned) throw unscannable;
        scoped = true;
        if (s.peek() !== OPEN_OBJECT) s.skip();
        else
          for (let member = s.firstKey(keyCache); member !== undefined; member = s.nextKey(keyCache)) {
            if (member === 'name') scopeName = this.text(valueCache);
            else if (member === 'version') scopeVersion = this.text(valueCache);
            else s.skip();
          }
      } else if (key === 'spans') {
        if (spanned) throw unscannable;
        spanned = true;
        if (!s.isNull() && s.firstItem()) do this.spans.push(this.span(resource, scopeName, scopeVersion));
        while (s.nextItem());
      } else this.other(key);
    }
  }

  private span(resource: Attributes, scopeName: string, scopeVersion: string): Span {
    const { s, limits } = this;
    if (this.spans.length >= limits.maxSpansPerRequest) throw unscannable;
    let traceId: unknown, spanId: unknown, parentSpanId: unknown, kind: unknown, start: unknown, end: unknown;
    let statusCode: unknown, events: unknown, links: unknown;
    let traceState = '';
    let name = '';
    let statusMessage = '';
    let attributes: Attributes | undefined;
    const attributeKeys: string[] = [];
    for (let key = s.firstKey(keyCache); key !== undefined; key = s.nextKey(keyCache)) {
      switch (key) {
        case 'traceId':
          traceId = s.value();
          break;
        case 'spanId':
          spanId = s.value();
          break;
        case 'parentSpanId':
          parentSpanId = s.value();
          break;
        case 'traceState':
          traceState = this.text();
          break;
        case 'name':
          name = this.text(valueCache);
          break;
        case 'kind':
          kind = s.value();
          break;
        case 'startTimeUnixNano':
          start = s.value();
          break;
        case 'endTimeUnixNano':
          end = s.value();
          break;
        case 'attributes':
          if (attributes !== undefined) throw unscannable;
          attributes = this.attributes(attributeKeys);
          break;
        case 'status':
          statusCode = undefined;
          statusMessage = '';
          if (s.peek() !== OPEN_OBJECT) s.skip();
          else
            for (let member = s.firstKey(keyCache); member !== undefined; member = s.nextKey(keyCache)) {
              if (member === 'code') statusCode = s.value();
              else if (member === 'message') statusMessage = this.text();
              else s.skip();
            }
          break;
        case 'events':
          events = s.value();
          break;
        case 'links':
          links = s.value();
          break;
        default:
          this.other(key);
      }
    }
    const startNs = readNanos(start, 'startTimeUnixNano');
    const endNs = readNanos(end, 'endTimeUnixNano');
    const eventList = listOrEmpty(events);
    const linkList = listOrEmpty(links);
    if (eventList.length > limits.maxEventsPerSpan) this.truncated++;
    if (linkList.length > limits.maxLinksPerSpan) this.truncated++;
    return {
      traceId: readId(traceId, 16, 'json', 'traceId', false),
      spanId: readId(spanId, 8, 'json', 'spanId', false),
      parentSpanId: readId(parentSpanId, 8, 'json', 'parentSpanId', true),
      traceState,
      name,
      kind: enumField(kind, kinds, kindNames, 'kind'),
      startNs,
      endNs: endNs < startNs ? startNs : endNs,
      statusCode: enumField(statusCode, statuses, statusNames, 'status.code'),
      statusMessage,
      attributes: attributes ?? emptyAttributes(),
      attributeKeys,
      resource,
      scopeName,
      scopeVersion,
      events: normalizeEvents(eventList, limits, this),
      links: normalizeLinks(linkList, 'json', limits, this),
    };
  }

  private attributes(keys: string[]): Attributes {
    const s = this.s;
    const into = emptyAttributes();
    if (s.isNull() || !s.firstItem()) return into;
    do this.attribute(into, keys);
    while (s.nextItem());
    return into;
  }

  private attribute(into: Attributes, keys: string[]): void {
    const { s, limits } = this;
    const start = s.pos;
    // Any other spelling of an attribute is read member by member below.
    if (s.matches(attributeOpen) && s.peek() === QUOTE) {
      const key = s.string(keyCache);
      if (s.matches(stringValueOpen) && s.peek() === QUOTE) {
        const text = s.string(valueCache);
        if (s.matches(attributeClose)) {
          if (admitsKey(keys, key, limits, this)) setAttribute(into, keys, key, text, limits, this);
          return;
        }
      }
    }
    s.pos = start;
    let key = '';
    let valueStart = -1;
    let valueEnd = -1;
    for (let member = s.firstKey(keyCache); member !== undefined; member = s.nextKey(keyCache)) {
      if (member === 'key') key = this.text(keyCache);
      else if (member !== 'value') s.skip();
      else {
        s.peek();
        valueStart = s.pos;
        s.skip();
        valueEnd = s.pos;
      }
    }
    if (!admitsKey(keys, key, limits, this)) return;
    const value: unknown = valueStart < 0 ? undefined : JSON.parse(utf8Slice(s.buf, valueStart, valueEnd));
    setAttribute(into, keys, key, attributeValueText(value, limits), limits, this);
  }

  /** A member read as the general reader's `stringField` reads it: anything but a string is ''. */
  private text(cache?: Utf8Cache): string {
    if (this.s.peek() === QUOTE) return this.s.string(cache);
    this.s.skip();
    return '';
  }

  private other(key: string): void {
    if (protoNames.has(key)) throw unscannable;
    this.s.skip();
  }
}
