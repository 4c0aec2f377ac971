import type { EnrichedLog } from '../enrich/enrich-log.ts';
import type { EnrichedSpan } from '../enrich/enrich-span.ts';
import type { SpanEvent, SpanLink } from '../model/span.ts';
import { NativeBlock } from './native/block.ts';
import { ArrayColumn, DateTime64Column, MapColumn, StringColumn, UInt16Column, UInt64Column, UInt8Column } from './native/columns.ts';

/**
 * A request's spans as one Native block for `otel_traces`, written value by value as each span is
 * enriched: no per-span row object, no JSON. Nested columns are written as their flattened arrays.
 */
export function spanBlock(): NativeBlock<EnrichedSpan> {
  const c = {
    Timestamp: new DateTime64Column(),
    TraceId: new StringColumn(),
    SpanId: new StringColumn(),
    ParentSpanId: new StringColumn(),
    TraceState: new StringColumn(),
    SpanName: new StringColumn(),
    SpanKind: new StringColumn(),
    ServiceName: new StringColumn(),
    ResourceAttributes: new MapColumn(true),
    ScopeName: new StringColumn(),
    ScopeVersion: new StringColumn(),
    SpanAttributes: new MapColumn(),
    Duration: new UInt64Column(),
    StatusCode: new StringColumn(),
    StatusMessage: new StringColumn(),
    'Events.Timestamp': new ArrayColumn(new DateTime64Column()),
    'Events.Name': new ArrayColumn(new StringColumn()),
    'Events.Attributes': new ArrayColumn(new MapColumn()),
    'Links.TraceId': new ArrayColumn(new StringColumn()),
    'Links.SpanId': new ArrayColumn(new StringColumn()),
    'Links.TraceState': new ArrayColumn(new StringColumn()),
    'Links.Attributes': new ArrayColumn(new MapColumn()),
    Layer: new StringColumn(),
    Subject: new StringColumn(),
    Issuer: new StringColumn(),
    Groups: new ArrayColumn(new StringColumn()),
    KeyId: new StringColumn(),
    MappingVersion: new StringColumn(),
    Decision: new StringColumn(),
    DecisionReason: new StringColumn(),
    DecisionPolicy: new StringColumn(),
    DecisionEvidence: new StringColumn(),
    DryRunResult: new StringColumn(),
    DryRunPolicy: new StringColumn(),
    HttpStatus: new UInt16Column(),
    JoinRole: new StringColumn(),
    RayId: new StringColumn(),
    RequestId: new StringColumn(),
  };
  return new NativeBlock(Object.entries(c), (e) => {
    const s = e.span;
    c.Timestamp.add(s.startNs);
    c.TraceId.add(s.traceId);
    c.SpanId.add(s.spanId);
    c.ParentSpanId.add(s.parentSpanId);
    c.TraceState.add(s.traceState);
    c.SpanName.add(s.name);
    c.SpanKind.add(s.kind);
    c.ServiceName.add(s.resource['service.name'] ?? '');
    c.ResourceAttributes.add(s.resource);
    c.ScopeName.add(s.scopeName);
    c.ScopeVersion.add(s.scopeVersion);
    c.SpanAttributes.add(s.attributes, s.attributeKeys);
    c.Duration.add(s.endNs > s.startNs ? s.endNs - s.startNs : 0n);
    c.StatusCode.add(s.statusCode);
    c.StatusMessage.add(s.statusMessage);
    c['Events.Timestamp'].add(each(s.events, eventTime));
    c['Events.Name'].add(each(s.events, eventName));
    c['Events.Attributes'].add(each(s.events, eventAttributes));
    c['Links.TraceId'].add(each(s.links, linkTraceId));
    c['Links.SpanId'].add(each(s.links, linkSpanId));
    c['Links.TraceState'].add(each(s.links, linkTraceState));
    c['Links.Attributes'].add(each(s.links, linkAttributes));
    c.Layer.add(e.layer);
    c.Subject.add(e.identity.subject);
    c.Issuer.add(e.identity.issuer);
    c.Groups.add(e.identity.groups);
    c.KeyId.add(e.identity.keyId);
    c.MappingVersion.add(e.identity.mappingVersion);
    c.Decision.add(e.decision.decision);
    c.DecisionReason.add(e.decision.reason);
    c.DecisionPolicy.add(e.decision.policy);
    c.DecisionEvidence.add(e.decision.evidence);
    c.DryRunResult.add(e.decision.dryRunResult);
    c.DryRunPolicy.add(e.decision.dryRunPolicy);
    c.HttpStatus.add(e.httpStatus);
    c.JoinRole.add(e.join.role);
    c.RayId.add(e.join.rayId);
    c.RequestId.add(e.join.requestId);
  });
}

// Most spans have no events or links: their nested columns take one shared empty list.
const none: readonly never[] = [];
const each = <T, V>(items: readonly T[], pick: (item: T) => V): readonly V[] => (items.length === 0 ? none : items.map(pick));
const eventTime = (event: SpanEvent) => event.timeNs;
const eventName = (event: SpanEvent) => event.name;
const eventAttributes = (event: SpanEvent) => event.attributes;
const linkTraceId = (link: SpanLink) => link.traceId;
const linkSpanId = (link: SpanLink) => link.spanId;
const linkTraceState = (link: SpanLink) => link.traceState;
const linkAttributes = (link: SpanLink) => link.attributes;

/** A request's log records as one Native block for `otel_logs`. */
export function logBlock(): NativeBlock<EnrichedLog> {
  const c = {
    Timestamp: new DateTime64Column(),
    TraceId: new StringColumn(),
    SpanId: new StringColumn(),
    TraceFlags: new UInt8Column(),
    SeverityText: new StringColumn(),
    SeverityNumber: new UInt8Column(),
    ServiceName: new StringColumn(),
    Body: new StringColumn(),
    ResourceSchemaUrl: new StringColumn(),
    ResourceAttributes: new MapColumn(true),
    ScopeSchemaUrl: new StringColumn(),
    ScopeName: new StringColumn(),
    ScopeVersion: new StringColumn(),
    ScopeAttributes: new MapColumn(),
    LogAttributes: new MapColumn(),
    Subject: new StringColumn(),
    Decision: new StringColumn(),
    DecisionReason: new StringColumn(),
    DecisionPolicy: new StringColumn(),
    HttpStatus: new UInt16Column(),
    RayId: new StringColumn(),
    RequestId: new StringColumn(),
  };
  return new NativeBlock(Object.entries(c), (e) => {
    const l = e.log;
    c.Timestamp.add(l.timeNs);
    c.TraceId.add(l.traceId);
    c.SpanId.add(l.spanId);
    c.TraceFlags.add(l.flags & 0xff);
    c.SeverityText.add(l.severityText);
    c.SeverityNumber.add(l.severityNumber & 0xff);
    c.ServiceName.add(l.resource['service.name'] ?? '');
    c.Body.add(l.body);
    c.ResourceSchemaUrl.add(l.resourceSchemaUrl);
    c.ResourceAttributes.add(l.resource);
    c.ScopeSchemaUrl.add(l.scopeSchemaUrl);
    c.ScopeName.add(l.scopeName);
    c.ScopeVersion.add(l.scopeVersion);
    c.ScopeAttributes.add(l.scopeAttributes);
    c.LogAttributes.add(l.attributes);
    c.Subject.add(e.subject);
    c.Decision.add(e.verdict?.decision ?? '');
    c.DecisionReason.add(e.verdict?.reason ?? '');
    c.DecisionPolicy.add(e.verdict?.policy ?? '');
    c.HttpStatus.add(e.httpStatus);
    c.RayId.add(e.rayId);
    c.RequestId.add(e.requestId);
  });
}

export const spanColumns = spanBlock().columnNames;
export const logColumns = logBlock().columnNames;

/** Reads one row of a write-ahead log left by Seam 0.1, which logged JSONCompactEachRow, as named values. */
export function rowValues(columns: readonly string[], line: string): Record<string, unknown> {
  const values = JSON.parse(line) as unknown[];
  return Object.fromEntries(columns.map((column, i) => [column, values[i]]));
}
