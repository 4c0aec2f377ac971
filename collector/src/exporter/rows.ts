import type { EnrichedLog } from '../enrich/enrich-log.ts';
import type { EnrichedSpan } from '../enrich/enrich-span.ts';

/**
 * One JSONEachRow line per span for `otel_traces`. Times are nanosecond integers, which
 * DateTime64(9) reads exactly; Nested columns are written as their flattened arrays.
 */
export function spanRow(e: EnrichedSpan): string {
  const s = e.span;
  return JSON.stringify({
    Timestamp: s.startNs.toString(),
    TraceId: s.traceId,
    SpanId: s.spanId,
    ParentSpanId: s.parentSpanId,
    TraceState: s.traceState,
    SpanName: s.name,
    SpanKind: s.kind,
    ServiceName: s.resource['service.name'] ?? '',
    ResourceAttributes: s.resource,
    ScopeName: s.scopeName,
    ScopeVersion: s.scopeVersion,
    SpanAttributes: s.attributes,
    Duration: (s.endNs - s.startNs).toString(),
    StatusCode: s.statusCode,
    StatusMessage: s.statusMessage,
    'Events.Timestamp': s.events.map((event) => event.timeNs.toString()),
    'Events.Name': s.events.map((event) => event.name),
    'Events.Attributes': s.events.map((event) => event.attributes),
    'Links.TraceId': s.links.map((link) => link.traceId),
    'Links.SpanId': s.links.map((link) => link.spanId),
    'Links.TraceState': s.links.map((link) => link.traceState),
    'Links.Attributes': s.links.map((link) => link.attributes),
    Layer: e.layer,
    Subject: e.identity.subject,
    Issuer: e.identity.issuer,
    Groups: e.identity.groups,
    KeyId: e.identity.keyId,
    MappingVersion: e.identity.mappingVersion,
    Decision: e.decision.decision,
    DecisionReason: e.decision.reason,
    DecisionPolicy: e.decision.policy,
    DecisionEvidence: e.decision.evidence,
    DryRunResult: e.decision.dryRunResult,
    DryRunPolicy: e.decision.dryRunPolicy,
    HttpStatus: e.httpStatus,
    JoinRole: e.join.role,
    RayId: e.join.rayId,
    RequestId: e.join.requestId,
  });
}

/** One JSONEachRow line per log record for `otel_logs`. */
export function logRow(e: EnrichedLog): string {
  const l = e.log;
  return JSON.stringify({
    Timestamp: l.timeNs.toString(),
    TraceId: l.traceId,
    SpanId: l.spanId,
    TraceFlags: l.flags,
    SeverityText: l.severityText,
    SeverityNumber: l.severityNumber,
    ServiceName: l.resource['service.name'] ?? '',
    Body: l.body,
    ResourceSchemaUrl: l.resourceSchemaUrl,
    ResourceAttributes: l.resource,
    ScopeSchemaUrl: l.scopeSchemaUrl,
    ScopeName: l.scopeName,
    ScopeVersion: l.scopeVersion,
    ScopeAttributes: l.scopeAttributes,
    LogAttributes: l.attributes,
    Subject: e.subject,
    Decision: e.verdict?.decision ?? '',
    DecisionReason: e.verdict?.reason ?? '',
    DecisionPolicy: e.verdict?.policy ?? '',
    HttpStatus: e.httpStatus,
    RayId: e.rayId,
    RequestId: e.requestId,
  });
}
