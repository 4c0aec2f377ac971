import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestCollector, type TestCollector } from './helpers/collector.ts';
import { otlpJsonToProtobuf, readFixture, scenarioBodies, scenarios } from './helpers/fixtures.ts';

// Payloads in the exact formats Istio's proxies send: Zipkin v2 JSON, OTLP/JSON re-encoded to the
// binary protobuf Envoy really sends, and the envoyOtelAls access-log export.
let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(async () => {
  await collector?.close();
});

type Tags = Record<string, string>;

describe('Istio fixtures land intact', () => {
  it.each(Object.keys(scenarios))('Zipkin %s: ids, kinds, services and every tag', async (scenario) => {
    for (const body of scenarioBodies('zipkin', scenario)) {
      const response = await postJson(collector.url('zipkin', '/api/v2/spans'), body);
      expect(response.status).toBe(202);
    }
    const expected = JSON.parse(readFixture(`zipkin/${scenario}/trace.json`)) as { traceId: string; id: string; parentId?: string; kind: string; name: string; timestamp: number; duration: number; tags: Tags; localEndpoint: { serviceName: string } }[];
    const rows = await collector.query<{ SpanId: string; ParentSpanId: string; SpanKind: string; SpanName: string; ServiceName: string; SpanAttributes: Tags; start: string; Duration: string }>(
      `SELECT SpanId, ParentSpanId, SpanKind, SpanName, ServiceName, SpanAttributes, toString(toUnixTimestamp64Nano(Timestamp)) AS start, toString(Duration) AS Duration
       FROM otel_traces WHERE TraceId = {t:String} AND ScopeName = '' AND mapContains(SpanAttributes, 'zipkin.local_endpoint.ipv4')`,
      { t: scenarios[scenario]!.trace_id },
    );
    expect(rows).toHaveLength(expected.length);
    for (const span of expected) {
      const row = rows.find((r) => r.SpanId === span.id)!;
      expect(row).toMatchObject({ ParentSpanId: span.parentId ?? '', SpanKind: span.kind === 'SERVER' ? 'Server' : 'Client', SpanName: span.name, ServiceName: span.localEndpoint.serviceName });
      expect(row.start).toBe(String(span.timestamp * 1000));
      expect(row.Duration).toBe(String(span.duration * 1000));
      for (const [key, value] of Object.entries(span.tags)) expect(row.SpanAttributes[key], key).toBe(value);
    }
  });

  it.each(Object.keys(scenarios))('OTLP protobuf %s: the same spans as the OTLP/JSON encoding', async (scenario) => {
    for (const body of scenarioBodies('otlp', scenario)) {
      const response = await fetch(collector.url('otlpHttp', '/v1/traces'), { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, body: gzipSync(otlpJsonToProtobuf(body, 'traces')) });
      expect(response.status).toBe(200);
    }
    const index = scenarios[scenario]!;
    const rows = await collector.query<{ SpanId: string; SpanKind: string; SpanName: string; ParentSpanId: string; SpanAttributes: Tags; ResourceAttributes: Tags }>(
      `SELECT SpanId, SpanKind, SpanName, ParentSpanId, SpanAttributes, ResourceAttributes FROM otel_traces WHERE TraceId = {t:String} AND ResourceAttributes['telemetry.sdk.name'] = 'envoy'`,
      { t: index.trace_id },
    );
    expect(rows.map((r) => r.SpanId).sort()).toEqual(index.spans.map((s) => s.span_id).sort());
    for (const span of index.spans) {
      const row = rows.find((r) => r.SpanId === span.span_id)!;
      expect(row.SpanName).toBe(span.name);
      expect(row.SpanKind).toBe(span.kind === 'SERVER' ? 'Server' : 'Client');
      expect(row.SpanAttributes['http.status_code']).toBe(span['http.status_code']);
    }
    const gateway = rows.find((r) => r.SpanId === index.spans[0]!.span_id)!;
    expect(gateway.ParentSpanId).toBe(index['edge_worker_span_id_in_traceparent(otlp_only)']);
    expect(gateway.SpanAttributes['guid:x-request-id']).toBe(index.x_request_id);
  });

  it('keeps the access-log record with its trace id, span id and labels', async () => {
    const response = await postJson(collector.url('otlpHttp', '/v1/logs'), readFixture('access_logs/denied_403_authz_at_reviews.otel_als.reviews.json'));
    expect(response.status).toBe(200);
    const rows = await collector.query<{ TraceId: string; SpanId: string; LogAttributes: Tags; Decision: string; DecisionReason: string; DecisionPolicy: string; Body: string }>(
      'SELECT TraceId, SpanId, LogAttributes, Decision, DecisionReason, DecisionPolicy, Body FROM otel_logs',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ TraceId: 'e7a2c91f03b84d5eb6a1f0c2d93e7b58', SpanId: '80c26ead5f3b74b9', Decision: 'deny', DecisionReason: 'rbac', DecisionPolicy: 'none' });
    expect(rows[0]!.LogAttributes.response_code_details).toBe('rbac_access_denied_matched_policy[none]');
    expect(rows[0]!.Body).toContain('"GET /reviews/0 HTTP/1.1" 403');
  });

  it('takes the access-log export over gRPC LogsService/Export, as envoyOtelAls sends it by default', async () => {
    const body = readFixture('access_logs/denied_403_authz_at_reviews.otel_als.reviews.json').replace('80c26ead5f3b74b9', 'a2e48acf7b5d96db');
    const client = new grpc.Client(`127.0.0.1:${collector.ports.otlpGrpc}`, grpc.credentials.createInsecure());
    try {
      const code = await new Promise<number>((resolve) =>
        client.makeUnaryRequest('/opentelemetry.proto.collector.logs.v1.LogsService/Export', (b: Buffer) => b, (b: Buffer) => b, Buffer.from(otlpJsonToProtobuf(body, 'logs')), new grpc.Metadata(), (error) => resolve(error ? error.code ?? -1 : grpc.status.OK)),
      );
      expect(code).toBe(grpc.status.OK);
    } finally {
      client.close();
    }
    const rows = await collector.query<{ Decision: string; DecisionPolicy: string }>("SELECT Decision, DecisionPolicy FROM otel_logs WHERE SpanId = 'a2e48acf7b5d96db'");
    expect(rows).toEqual([{ Decision: 'deny', DecisionPolicy: 'none' }]);
  });

  it("answers Grafana's OTel trace-by-id query shape from otel_traces and otel_traces_trace_id_ts", async () => {
    const traceId = scenarios.allowed_200!.trace_id;
    const [window] = await collector.query<{ start: string; end: string }>(
      `SELECT toString(min(Start)) AS start, toString(max(End) + 1) AS end FROM otel_traces_trace_id_ts WHERE TraceId = {t:String}`,
      { t: traceId },
    );
    const spans = await collector.query<{ traceID: string; spanID: string; parentSpanID: string; serviceName: string; operationName: string; startTime: number; duration: number; tags: unknown[]; serviceTags: unknown[]; kind: string; statusCode: string }>(
      `SELECT TraceId AS traceID, SpanId AS spanID, ParentSpanId AS parentSpanID, ServiceName AS serviceName, SpanName AS operationName,
              toUnixTimestamp64Milli(Timestamp) AS startTime, multiply(Duration, 0.000001) AS duration,
              arrayMap(key -> map('key', key, 'value', SpanAttributes[key]), mapKeys(SpanAttributes)) AS tags,
              arrayMap(key -> map('key', key, 'value', ResourceAttributes[key]), mapKeys(ResourceAttributes)) AS serviceTags,
              SpanKind AS kind, StatusCode AS statusCode
       FROM otel_traces
       WHERE TraceId = {t:String} AND Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)}
       ORDER BY startTime`,
      { t: traceId, start: window!.start, end: window!.end },
    );
    // Both encodings of the scenario were stored above: 5 Zipkin spans and 5 OTLP spans.
    expect(spans).toHaveLength(10);
    expect(new Set(spans.map((s) => s.serviceName))).toEqual(new Set(['istio-ingressgateway.istio-system', 'productpage.default', 'reviews.default']));
    expect(spans[0]!.duration).toBeGreaterThan(0);
  });
});
