/** Encodes abstract spans the way each real sender does: OTLP/JSON per resource, or Zipkin v2 JSON. */
export interface AbstractSpan {
  traceId: string;
  spanId: string;
  parentId: string;
  name: string;
  /** Unspecified: kind 0 in OTLP, no kind in Zipkin (Workers' built-in tracing leaves it open). */
  kind: 'Server' | 'Client' | 'Internal' | 'Unspecified';
  service: string;
  startNs: bigint;
  durationNs: bigint;
  attributes: Record<string, string | string[]>;
  /** Resource attributes beyond service.name. */
  resource: Record<string, string>;
  error?: boolean;
}

const kindNumber = { Unspecified: 0, Internal: 1, Server: 2, Client: 3 } as const;

function value(v: string | string[]): Record<string, unknown> {
  return Array.isArray(v) ? { arrayValue: { values: v.map((s) => ({ stringValue: s })) } } : { stringValue: v };
}

function keyValues(attributes: Record<string, string | string[]>): { key: string; value: Record<string, unknown> }[] {
  return Object.entries(attributes).map(([key, v]) => ({ key, value: value(v) }));
}

/** One ExportTraceServiceRequest in OTLP/JSON, spans grouped by resource as an SDK or Envoy batches them. */
export function toOtlpJson(spans: AbstractSpan[]): string {
  const groups = new Map<string, AbstractSpan[]>();
  for (const span of spans) {
    const key = JSON.stringify([span.service, span.resource]);
    groups.set(key, [...(groups.get(key) ?? []), span]);
  }
  return JSON.stringify({
    resourceSpans: [...groups.values()].map((group) => ({
      resource: { attributes: keyValues({ 'service.name': group[0]!.service, ...group[0]!.resource }) },
      scopeSpans: [
        {
          spans: group.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentId,
            name: s.name,
            kind: kindNumber[s.kind],
            startTimeUnixNano: s.startNs.toString(),
            endTimeUnixNano: (s.startNs + s.durationNs).toString(),
            attributes: keyValues(s.attributes),
            status: s.error ? { code: 2 } : {},
          })),
        },
      ],
    })),
  });
}

/** A Zipkin v2 JSON array as Envoy's Zipkin tracer posts it (µs times, string tags). */
export function toZipkinJson(spans: AbstractSpan[]): string {
  return JSON.stringify(
    spans.map((s) => ({
      traceId: s.traceId,
      id: s.spanId,
      ...(s.parentId ? { parentId: s.parentId } : {}),
      ...(s.kind === 'Internal' || s.kind === 'Unspecified' ? {} : { kind: s.kind === 'Server' ? 'SERVER' : 'CLIENT' }),
      name: s.name,
      timestamp: Number(s.startNs / 1000n),
      duration: Number(s.durationNs / 1000n),
      localEndpoint: { ipv4: '10.244.0.7', port: 0, serviceName: s.service },
      tags: Object.fromEntries(Object.entries(s.attributes).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v])),
      annotations: [{ timestamp: Number((s.startNs + s.durationNs) / 1000n), value: s.kind === 'Server' ? 'ss' : 'cr' }],
    })),
  );
}

/** The OTLP/JSON ExportLogsServiceRequest Istio's envoyOtelAls provider sends for one proxy hop. */
export function toAccessLogJson(records: { traceId: string; spanId: string; startNs: bigint; labels: Record<string, string> }[]): string {
  return JSON.stringify({
    resourceLogs: [
      {
        resource: {},
        scopeLogs: [
          {
            logRecords: records.map((r) => ({
              timeUnixNano: r.startNs.toString(),
              traceId: r.traceId,
              spanId: r.spanId,
              body: { stringValue: `[access] "${r.labels.response_code}" ${r.labels.response_code_details}` },
              attributes: keyValues(r.labels),
            })),
          },
        ],
      },
    ],
  });
}
