import type { Attributes, Decoded, Span, SpanEvent, SpanKind, SpanLink, StatusCode } from '../model/span.ts';
import { flattenAttributes, type AttributeStats } from './attributes.ts';
import { MalformedRequest, RejectedItem, type DecodeLimits } from './limits.ts';
import { readId, readNanos, type Wire } from './wire-values.ts';

export const kinds: SpanKind[] = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
export const kindNames: Record<string, SpanKind> = {
  SPAN_KIND_UNSPECIFIED: 'Unspecified',
  SPAN_KIND_INTERNAL: 'Internal',
  SPAN_KIND_SERVER: 'Server',
  SPAN_KIND_CLIENT: 'Client',
  SPAN_KIND_PRODUCER: 'Producer',
  SPAN_KIND_CONSUMER: 'Consumer',
};
export const statuses: StatusCode[] = ['Unset', 'Ok', 'Error'];
export const statusNames: Record<string, StatusCode> = { STATUS_CODE_UNSET: 'Unset', STATUS_CODE_OK: 'Ok', STATUS_CODE_ERROR: 'Error' };

type Obj = Record<string, unknown>;

/**
 * Turns the `resourceSpans` of an ExportTraceServiceRequest — parsed OTLP/JSON, or a protobufjs message,
 * which shares its field names — into normalised spans. A span that breaks the rules is rejected with a
 * reason; the others go on.
 */
export function normalizeResourceSpans(request: unknown, wire: Wire, limits: DecodeLimits, stats: AttributeStats): Decoded<Span> {
  const resourceSpans = listField(request, 'resourceSpans', 'resource_spans', 'the request');
  const out: Decoded<Span> = { items: [], rejected: 0, rejectReasons: [] };
  for (const rs of resourceSpans) {
    const resourceObject = field(rs, 'resource') as Obj | undefined;
    const resource = resourceAttributes(resourceObject, limits, stats);
    for (const ss of listField(rs, 'scopeSpans', 'scope_spans', 'resourceSpans[]')) {
      const scope = (field(ss, 'scope') ?? {}) as Obj;
      const scopeName = stringField(scope, 'name');
      const scopeVersion = stringField(scope, 'version');
      for (const raw of listField(ss, 'spans', 'spans', 'scopeSpans[]')) {
        if (out.items.length + out.rejected >= limits.maxSpansPerRequest) {
          out.rejected++;
          note(out, `more than ${limits.maxSpansPerRequest} spans in one request`);
          continue;
        }
        try {
          out.items.push(normalizeSpan(raw as Obj, resource, scopeName, scopeVersion, wire, limits, stats));
        } catch (error) {
          if (!(error instanceof RejectedItem)) throw error;
          out.rejected++;
          note(out, error.message);
        }
      }
    }
  }
  return out;
}

/** A broken resource spoils every span under it, so the request as a whole is refused. */
export function resourceAttributes(resource: Obj | undefined, limits: DecodeLimits, stats: AttributeStats): Attributes {
  try {
    return flattenAttributes(resource ? field(resource, 'attributes') : undefined, limits, stats);
  } catch (error) {
    if (error instanceof RejectedItem) throw new MalformedRequest(`a resource's attributes are malformed: ${error.message}`);
    throw error;
  }
}

function normalizeSpan(
  raw: Obj,
  resource: Attributes,
  scopeName: string,
  scopeVersion: string,
  wire: Wire,
  limits: DecodeLimits,
  stats: AttributeStats,
): Span {
  if (raw === null || typeof raw !== 'object') throw new RejectedItem('a span is not an object');
  const traceId = readId(field(raw, 'traceId', 'trace_id'), 16, wire, 'traceId', false);
  const spanId = readId(field(raw, 'spanId', 'span_id'), 8, wire, 'spanId', false);
  const parentSpanId = readId(field(raw, 'parentSpanId', 'parent_span_id'), 8, wire, 'parentSpanId', true);
  const startNs = readNanos(field(raw, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano');
  const endNs = readNanos(field(raw, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano');
  const events = listOrEmpty(field(raw, 'events'));
  const links = listOrEmpty(field(raw, 'links'));
  if (events.length > limits.maxEventsPerSpan) stats.truncated++;
  if (links.length > limits.maxLinksPerSpan) stats.truncated++;
  const status = (field(raw, 'status') ?? {}) as Obj;
  const attributeKeys: string[] = [];
  return {
    traceId,
    spanId,
    parentSpanId,
    traceState: stringField(raw, 'traceState', 'trace_state'),
    name: stringField(raw, 'name'),
    kind: enumField(field(raw, 'kind'), kinds, kindNames, 'kind'),
    startNs,
    endNs: endNs < startNs ? startNs : endNs,
    statusCode: enumField(field(status, 'code'), statuses, statusNames, 'status.code'),
    statusMessage: stringField(status, 'message'),
    attributes: flattenAttributes(field(raw, 'attributes'), limits, stats, attributeKeys),
    attributeKeys,
    resource,
    scopeName,
    scopeVersion,
    events: normalizeEvents(events, limits, stats),
    links: normalizeLinks(links, wire, limits, stats),
  };
}

/** A span's events as OTLP/JSON or the wire reader gives them, past the limit dropped. */
export function normalizeEvents(events: unknown[], limits: DecodeLimits, stats: AttributeStats): SpanEvent[] {
  return events.slice(0, limits.maxEventsPerSpan).map((event) => {
    const e = event as Obj;
    return {
      timeNs: readNanos(field(e, 'timeUnixNano', 'time_unix_nano'), 'events[].timeUnixNano'),
      name: stringField(e, 'name'),
      attributes: flattenAttributes(field(e, 'attributes'), limits, stats),
    };
  });
}

/** A span's links as OTLP/JSON or the wire reader gives them, past the limit dropped. */
export function normalizeLinks(links: unknown[], wire: Wire, limits: DecodeLimits, stats: AttributeStats): SpanLink[] {
  return links.slice(0, limits.maxLinksPerSpan).map((link) => {
    const l = link as Obj;
    return {
      traceId: readId(field(l, 'traceId', 'trace_id'), 16, wire, 'links[].traceId', false),
      spanId: readId(field(l, 'spanId', 'span_id'), 8, wire, 'links[].spanId', false),
      traceState: stringField(l, 'traceState', 'trace_state'),
      attributes: flattenAttributes(field(l, 'attributes'), limits, stats),
    };
  });
}

// OTLP/JSON uses lowerCamelCase; the proto3 JSON mapping also allows the original snake_case names.
export function field(object: unknown, camel: string, snake?: string): unknown {
  if (object === null || typeof object !== 'object') return undefined;
  const o = object as Obj;
  return o[camel] ?? (snake ? o[snake] : undefined);
}

export function listField(object: unknown, camel: string, snake: string, where: string): Obj[] {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    throw new MalformedRequest(`${where} must be an object`);
  }
  const value = field(object, camel, snake);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new MalformedRequest(`${camel} in ${where} must be a list`);
  return value as Obj[];
}

export function listOrEmpty(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new RejectedItem('events and links must be lists');
  return value;
}

export function stringField(object: Obj, camel: string, snake?: string): string {
  const value = field(object, camel, snake);
  return typeof value === 'string' ? value : '';
}

export function enumField<T>(value: unknown, byNumber: T[], byName: Record<string, T>, name: string): T {
  if (value === undefined || value === null) return byNumber[0]!;
  if (typeof value === 'number' && byNumber[value] !== undefined) return byNumber[value]!;
  // Own names only: 'toString' or '__proto__' is not a kind.
  if (typeof value === 'string' && Object.hasOwn(byName, value)) return byName[value]!;
  throw new RejectedItem(`${name} ${JSON.stringify(value)} is not a known value`);
}

export function note(out: Decoded<unknown>, reason: string): void {
  if (out.rejectReasons.length < 5 && !out.rejectReasons.includes(reason)) out.rejectReasons.push(reason);
}
