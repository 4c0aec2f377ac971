import type { Attributes, AttributeValue, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';
import { hrToNanoString } from '../lib/time.ts';

/** The fields of the OpenTelemetry SDK's `ReadableSpan` this encoder reads; SDK spans and Seam's own both fit. */
export interface ExportableSpan {
  readonly name: string;
  readonly kind: SpanKind;
  spanContext(): SpanContext;
  readonly parentSpanContext?: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly links: Link[];
  readonly events: { name: string; time: HrTime; attributes?: Attributes; droppedAttributesCount?: number }[];
  readonly resource: { attributes: Attributes; schemaUrl?: string | undefined };
  readonly instrumentationScope: { name: string; version?: string | undefined; schemaUrl?: string | undefined };
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
}

type OtlpValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: OtlpValue[] } };

interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}

/**
 * An OTLP/JSON `ExportTraceServiceRequest`: hex ids, integer enums, int64 as decimal strings,
 * one ResourceSpans per resource and one ScopeSpans per instrumentation scope.
 */
export function encodeOtlpJson(spans: readonly ExportableSpan[]): { resourceSpans: unknown[] } {
  const byResource = new Map<ExportableSpan['resource'], Map<string, ExportableSpan[]>>();
  for (const span of spans) {
    let scopes = byResource.get(span.resource);
    if (!scopes) byResource.set(span.resource, (scopes = new Map()));
    const scopeKey = `${span.instrumentationScope.name}\u0000${span.instrumentationScope.version ?? ''}`;
    const list = scopes.get(scopeKey);
    if (list) list.push(span);
    else scopes.set(scopeKey, [span]);
  }
  return {
    resourceSpans: [...byResource].map(([resource, scopes]) => ({
      resource: { attributes: encodeAttributes(resource.attributes), droppedAttributesCount: 0 },
      scopeSpans: [...scopes.values()].map((list) => {
        const scope = list[0]!.instrumentationScope;
        return {
          scope: { name: scope.name, ...(scope.version ? { version: scope.version } : {}) },
          spans: list.map(encodeSpan),
          ...(scope.schemaUrl ? { schemaUrl: scope.schemaUrl } : {}),
        };
      }),
      ...(resource.schemaUrl ? { schemaUrl: resource.schemaUrl } : {}),
    })),
  };
}

function encodeSpan(span: ExportableSpan): Record<string, unknown> {
  const ctx = span.spanContext();
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    ...(ctx.traceState ? { traceState: ctx.traceState.serialize() } : {}),
    ...(span.parentSpanContext?.spanId ? { parentSpanId: span.parentSpanContext.spanId } : {}),
    flags: ctx.traceFlags,
    name: span.name,
    // The API's SpanKind starts at INTERNAL = 0; OTLP reserves 0 for UNSPECIFIED.
    kind: span.kind + 1,
    startTimeUnixNano: hrToNanoString(span.startTime),
    endTimeUnixNano: hrToNanoString(span.endTime),
    attributes: encodeAttributes(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((e) => ({
      timeUnixNano: hrToNanoString(e.time),
      name: e.name,
      attributes: encodeAttributes(e.attributes ?? {}),
      droppedAttributesCount: e.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: span.droppedEventsCount,
    links: span.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      ...(l.context.traceState ? { traceState: l.context.traceState.serialize() } : {}),
      attributes: encodeAttributes(l.attributes ?? {}),
      droppedAttributesCount: l.droppedAttributesCount ?? 0,
    })),
    droppedLinksCount: span.droppedLinksCount,
    status: {
      code: span.status.code,
      ...(span.status.message ? { message: span.status.message } : {}),
    },
  };
}

function encodeAttributes(attributes: Attributes): OtlpKeyValue[] {
  const out: OtlpKeyValue[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    const encoded = encodeValue(value);
    if (encoded) out.push({ key, value: encoded });
  }
  return out;
}

function encodeValue(value: AttributeValue | undefined | null): OtlpValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  }
  return {
    arrayValue: {
      values: (value as readonly (string | number | boolean | null | undefined)[]).map(
        (v) => encodeValue(v) ?? { stringValue: '' },
      ),
    },
  };
}
