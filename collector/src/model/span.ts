/** The one shape every receiver decodes into; enrichers and the writer see nothing else. */
export type SpanKind = 'Unspecified' | 'Internal' | 'Server' | 'Client' | 'Producer' | 'Consumer';
export type StatusCode = 'Unset' | 'Ok' | 'Error';

/** Attribute values flattened to strings, as the OpenTelemetry Collector's ClickHouse exporter stores them. */
export type Attributes = Record<string, string>;

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
