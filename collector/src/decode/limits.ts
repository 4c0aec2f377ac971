/**
 * Per-request bounds on what an exporter controls. Past them values are truncated, or the span is
 * rejected through OTLP partial success, as the OpenTelemetry Collector does.
 */
export interface DecodeLimits {
  maxSpansPerRequest: number;
  maxAttributesPerSpan: number;
  maxAttributeKeyLength: number;
  maxAttributeValueLength: number;
  maxEventsPerSpan: number;
  maxLinksPerSpan: number;
  maxAnyValueDepth: number;
}

export const defaultDecodeLimits: DecodeLimits = {
  maxSpansPerRequest: 50_000,
  maxAttributesPerSpan: 256,
  maxAttributeKeyLength: 256,
  maxAttributeValueLength: 16_384,
  maxEventsPerSpan: 256,
  maxLinksPerSpan: 128,
  maxAnyValueDepth: 8,
};

/** Thrown for one item (span or log record) that cannot be stored; the rest of the request goes on. */
export class RejectedItem extends Error {}

/** Thrown when the request as a whole cannot be read: the receiver answers 400. */
export class MalformedRequest extends Error {}
