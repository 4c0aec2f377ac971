import type { Decoded, LogRecord } from '../model/span.ts';
import { anyValueToText, flattenAttributes, type AttributeStats } from './attributes.ts';
import { RejectedItem, type DecodeLimits } from './limits.ts';
import { field, listField, resourceAttributes, stringField } from './otlp-traces.ts';
import { readId, readNanos, type Wire } from './wire-values.ts';

type Obj = Record<string, unknown>;

/** Turns the `resourceLogs` of an ExportLogsServiceRequest (protobuf message or OTLP/JSON) into log records. */
export function normalizeResourceLogs(request: unknown, wire: Wire, limits: DecodeLimits, stats: AttributeStats): Decoded<LogRecord> {
  const out: Decoded<LogRecord> = { items: [], rejected: 0, rejectReasons: [] };
  for (const rl of listField(request, 'resourceLogs', 'resource_logs', 'the request')) {
    const resourceObject = field(rl, 'resource') as Obj | undefined;
    const resource = resourceAttributes(resourceObject, limits, stats);
    const resourceSchemaUrl = stringField(rl, 'schemaUrl', 'schema_url');
    for (const sl of listField(rl, 'scopeLogs', 'scope_logs', 'resourceLogs[]')) {
      const scope = (field(sl, 'scope') ?? {}) as Obj;
      const scopeAttributes = flattenAttributes(field(scope, 'attributes'), limits, stats);
      for (const raw of listField(sl, 'logRecords', 'log_records', 'scopeLogs[]')) {
        if (out.items.length + out.rejected >= limits.maxSpansPerRequest) {
          out.rejected++;
          continue;
        }
        try {
          const time = readNanos(field(raw, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano');
          const observed = readNanos(field(raw, 'observedTimeUnixNano', 'observed_time_unix_nano'), 'observedTimeUnixNano');
          const flags = field(raw, 'flags');
          const severity = field(raw, 'severityNumber', 'severity_number');
          out.items.push({
            timeNs: time === 0n ? observed : time,
            traceId: readId(field(raw, 'traceId', 'trace_id'), 16, wire, 'traceId', true),
            spanId: readId(field(raw, 'spanId', 'span_id'), 8, wire, 'spanId', true),
            flags: typeof flags === 'number' ? flags & 0xff : 0,
            severityText: stringField(raw, 'severityText', 'severity_text'),
            severityNumber: typeof severity === 'number' ? Math.max(0, Math.min(24, severity)) : 0,
            body: truncate(anyValueToText(field(raw, 'body'), limits, 0), limits.maxAttributeValueLength * 4),
            attributes: flattenAttributes(field(raw, 'attributes'), limits, stats),
            resource,
            resourceSchemaUrl,
            scopeName: stringField(scope, 'name'),
            scopeVersion: stringField(scope, 'version'),
            scopeSchemaUrl: stringField(sl, 'schemaUrl', 'schema_url'),
            scopeAttributes,
          });
        } catch (error) {
          if (!(error instanceof RejectedItem)) throw error;
          out.rejected++;
          if (out.rejectReasons.length < 5) out.rejectReasons.push(error.message);
        }
      }
    }
  }
  return out;
}

function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}
