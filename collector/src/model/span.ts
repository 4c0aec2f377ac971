/** The one shape every receiver decodes into; enrichers and the writer see nothing else. */
export type SpanKind = 'Unspecified' | 'Internal' | 'Server' | 'Client' | 'Producer' | 'Consumer';
export type StatusCode = 'Unset' | 'Ok' | 'Error';

/** Attribute values flattened to strings, as the OpenTelemetry Collector's ClickHouse exporter stores them. */
export type Attributes = Record<string, string>;

/**
 * An attribute record without a prototype: a key named `__proto__` or `constructor` is an attribute
 * like any other, and V8 makes it a hash table at once rather than after its sixteenth key.
 */
export const emptyAttributes = (): Attributes => Object.create(null) as Attributes;

export interface SpanEvent {
  timeNs: bigint;
  name: string;
  attributes: Attributes;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
}

export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  name: string;
  kind: SpanKind;
  startNs: bigint;
  endNs: bigint;
  statusCode: StatusCode;
  statusMessage: string;
  attributes: Attributes;
  /**
   * The keys of `attributes` in the order they arrived, each once, listed by the decoder as it adds
   * them: asking a hash-table object for its keys collects and sorts them again on every call.
   */
  attributeKeys: string[];
  resource: Attributes;
  scopeName: string;
  scopeVersion: string;
  events: SpanEvent[];
  links: SpanLink[];
}

export interface LogRecord {
  timeNs: bigint;
  traceId: string;
  spanId: string;
  flags: number;
  severityText: string;
  severityNumber: number;
  body: string;
  attributes: Attributes;
  resource: Attributes;
  resourceSchemaUrl: string;
  scopeName: string;
  scopeVersion: string;
  scopeSchemaUrl: string;
  scopeAttributes: Attributes;
}

/** What a decoder hands on: the items it could read, and a count and reason for those it could not. */
export interface Decoded<T> {
  items: T[];
  rejected: number;
  rejectReasons: string[];
}
