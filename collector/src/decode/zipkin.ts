import { emptyAttributes, type Attributes, type Decoded, type Span, type SpanKind } from '../model/span.ts';
import type { AttributeStats } from './attributes.ts';
import { MalformedRequest, RejectedItem, type DecodeLimits } from './limits.ts';
import { lowerHex } from './wire-values.ts';

const kinds: Record<string, SpanKind> = { CLIENT: 'Client', SERVER: 'Server', PRODUCER: 'Producer', CONSUMER: 'Consumer' };

type Obj = Record<string, unknown>;

/**
 * Zipkin v2 JSON (`POST /api/v2/spans`) into normalised spans: microsecond times become nanoseconds,
 * 64-bit trace ids are left-padded to 128 bits (as B3 and W3C interoperate), `localEndpoint.serviceName`
 * becomes `service.name`, tags become attributes and annotations become events.
 */
export function normalizeZipkin(body: unknown, limits: DecodeLimits, stats: AttributeStats): Decoded<Span> {
  if (!Array.isArray(body)) throw new MalformedRequest('a Zipkin v2 body must be a JSON array of spans');
  const out: Decoded<Span> = { items: [], rejected: 0, rejectReasons: [] };
  // Spans of one service share one resource object, as OTLP's spans of one resource do: what is
  // derived from a resource (redaction, the edge check, its encoded bytes) is then done once.
  const resources = new Map<string, Attributes>();
  for (const raw of body as Obj[]) {
    try {
      if (out.items.length + out.rejected >= limits.maxSpansPerRequest) {
        throw new RejectedItem(`more than ${limits.maxSpansPerRequest} spans in one request`);
      }
      out.items.push(normalizeSpan(raw, limits, stats, resources));
    } catch (error) {
      if (!(error instanceof RejectedItem)) throw error;
      out.rejected++;
      if (out.rejectReasons.length < 5 && !out.rejectReasons.includes(error.message)) out.rejectReasons.push(error.message);
    }
  }
  return out;
}

function normalizeSpan(raw: Obj, limits: DecodeLimits, stats: AttributeStats, resources: Map<string, Attributes>): Span {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new RejectedItem('a span is not an object');
  const traceId = zipkinId(raw.traceId, [16, 32], 'traceId').padStart(32, '0');
  const spanId = zipkinId(raw.id, [16], 'id');
  const parentSpanId = raw.parentId === undefined || raw.parentId === null ? '' : zipkinId(raw.parentId, [16], 'parentId');
  const startNs = micros(raw.timestamp, 'timestamp') * 1000n;
  const durationNs = micros(raw.duration, 'duration') * 1000n;
  const local = (raw.localEndpoint ?? {}) as Obj;
  const remote = (raw.remoteEndpoint ?? null) as Obj | null;
  const attributes = tags(raw.tags, limits, stats);
  endpointAttributes(attributes, localKeys, local);
  if (remote) endpointAttributes(attributes, remoteKeys, remote);
  if (raw.shared === true) attributes['zipkin.shared'] = 'true';
  const error = attributes.error;
  const kind = typeof raw.kind === 'string' && Object.hasOwn(kinds, raw.kind) ? kinds[raw.kind] : undefined;
  if (raw.kind !== undefined && raw.kind !== null && kind === undefined) {
    throw new RejectedItem(`kind ${JSON.stringify(raw.kind)} is not CLIENT, SERVER, PRODUCER or CONSUMER`);
  }
  return {
    traceId,
    spanId,
    parentSpanId: parentSpanId === spanId ? '' : parentSpanId,
    traceState: '',
    name: typeof raw.name === 'string' ? raw.name : '',
    kind: kind ?? 'Unspecified',
    startNs,
    endNs: startNs + durationNs,
    statusCode: error === undefined ? 'Unset' : 'Error',
    statusMessage: error === undefined || error === 'true' ? '' : error,
    attributes,
    // Zipkin tags come as an object rather than a list, so their keys are listed from it, once.
    attributeKeys: Object.keys(attributes),
    resource: resourceOf(typeof local.serviceName === 'string' ? local.serviceName : '', resources),
    scopeName: '',
    scopeVersion: '',
    events: annotations(raw.annotations, limits),
    links: [],
  };
}

function zipkinId(value: unknown, lengths: number[], name: string): string {
  const id = typeof value === 'string' && lengths.includes(value.length) ? lowerHex(value, value.length) : undefined;
  if (id === undefined) throw new RejectedItem(`${name} ${JSON.stringify(value)?.slice(0, 40)} is not ${lengths.join(' or ')} hex digits`);
  if (id === '') throw new RejectedItem(`${name} is all zero`);
  return id;
}

const maxMicros = 7_258_118_400_000_000n;

function micros(value: unknown, name: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RejectedItem(`${name} ${JSON.stringify(value)?.slice(0, 40)} is not a microsecond count`);
  }
  const result = BigInt(Math.trunc(value));
  if (result > maxMicros) throw new RejectedItem(`${name} is after the year 2200`);
  return result;
}

function tags(value: unknown, limits: DecodeLimits, stats: AttributeStats): Attributes {
  const out = emptyAttributes();
  if (value === undefined || value === null) return out;
  if (typeof value !== 'object' || Array.isArray(value)) throw new RejectedItem('tags must be an object of strings');
  const tagged = value as Obj;
  const rawKeys = Object.keys(tagged);
  // Tags as Zipkin intends them (strings, within the limits) are kept in the object the body was parsed
  // into: copying them key by key would make a hash table of an object V8 lays out by its keys.
  if (withinLimits(tagged, rawKeys, limits)) return tagged as Attributes;
  let count = 0;
  for (let i = 0; i < rawKeys.length; i++) {
    if (count >= limits.maxAttributesPerSpan) {
      stats.truncated++;
      break;
    }
    const rawValue = tagged[rawKeys[i]!];
    let key = rawKeys[i]!;
    if (key.length > limits.maxAttributeKeyLength) {
      key = key.slice(0, limits.maxAttributeKeyLength);
      stats.truncated++;
    }
    let text = typeof rawValue === 'string' ? rawValue : JSON.stringify(rawValue) ?? '';
    if (text.length > limits.maxAttributeValueLength) {
      text = text.slice(0, limits.maxAttributeValueLength);
      stats.truncated++;
    }
    out[key] = text;
    count++;
  }
  return out;
}

function withinLimits(tagged: Obj, keys: string[], limits: DecodeLimits): boolean {
  if (keys.length > limits.maxAttributesPerSpan) return false;
  for (let i = 0; i < keys.length; i++) {
    const value = tagged[keys[i]!];
    if (typeof value !== 'string' || value.length > limits.maxAttributeValueLength || keys[i]!.length > limits.maxAttributeKeyLength) return false;
  }
  return true;
}

function resourceOf(service: string, resources: Map<string, Attributes>): Attributes {
  let resource = resources.get(service);
  if (resource === undefined) resources.set(service, (resource = service === '' ? {} : { 'service.name': service }));
  return resource;
}

const endpointFields = ['ipv4', 'ipv6', 'port'] as const;
const localKeys = { fields: endpointFields.map((field) => `zipkin.local_endpoint.${field}`), serviceName: undefined };
const remoteKeys = { fields: endpointFields.map((field) => `zipkin.remote_endpoint.${field}`), serviceName: 'zipkin.remote_endpoint.service_name' };

function endpointAttributes(into: Attributes, keys: { fields: string[]; serviceName: string | undefined }, endpoint: Obj): void {
  for (let i = 0; i < endpointFields.length; i++) {
    const value = endpoint[endpointFields[i]!];
    if ((typeof value === 'string' && value !== '') || (typeof value === 'number' && value !== 0)) {
      into[keys.fields[i]!] = String(value);
    }
  }
  if (keys.serviceName !== undefined && typeof endpoint.serviceName === 'string' && endpoint.serviceName !== '') {
    into[keys.serviceName] = endpoint.serviceName;
  }
}

function annotations(value: unknown, limits: DecodeLimits): Span['events'] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new RejectedItem('annotations must be a list');
  return (value as Obj[]).slice(0, limits.maxEventsPerSpan).map((annotation) => ({
    timeNs: micros(annotation?.timestamp, 'annotations[].timestamp') * 1000n,
    name: typeof annotation?.value === 'string' ? annotation.value.slice(0, limits.maxAttributeValueLength) : '',
    attributes: {},
  }));
}
