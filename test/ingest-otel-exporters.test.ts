import { SpanKind, SpanStatusCode, type Link } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';

// The real OpenTelemetry SDK exporters are the clients: what they send is what users' services send.
let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(async () => {
  await collector?.close();
});

interface StoredSpan {
  start: string;
  duration: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  StatusCode: string;
  StatusMessage: string;
  eventTimes: string[];
  'Events.Name': string[];
  'Events.Attributes': Record<string, string>[];
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': string[];
  'Links.Attributes': Record<string, string>[];
}

/** Emits one parent SERVER span and one CLIENT child with every field type, through `exporter`. */
async function emit(exporter: SpanExporter, service: string): Promise<{ traceId: string; parentId: string; childId: string }> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'test' }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('seam-test-scope', '1.2.3');
  const linked: Link = {
    context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 },
    attributes: { 'link.reason': 'retry-of' },
  };
  const parent = tracer.startSpan('GET /api/v1/products', {
    kind: SpanKind.SERVER,
    startTime: [1_773_483_362, 555_700_123],
    attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, ratio: 0.25, cached: true, tags: ['eng', 'admin'] },
    links: [linked],
  });
  parent.addEvent('cache.miss', { key: 'products:0' }, [1_773_483_362, 556_000_001]);
  const parentContext = parent.spanContext();
  const { trace, context } = await import('@opentelemetry/api');
  const child = tracer.startSpan('GET reviews', { kind: SpanKind.CLIENT, startTime: [1_773_483_362, 555_800_000] }, trace.setSpan(context.active(), parent));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream 503' });
  child.end([1_773_483_362, 556_100_999]);
  parent.setStatus({ code: SpanStatusCode.OK });
  parent.end([1_773_483_362, 556_900_456]);
  await provider.forceFlush();
  await provider.shutdown();
  return { traceId: parentContext.traceId, parentId: parentContext.spanId, childId: child.spanContext().spanId };
}

async function readSpans(traceId: string): Promise<StoredSpan[]> {
  return collector.query<StoredSpan>(
    `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS start, toString(Duration) AS duration, TraceId, SpanId, ParentSpanId, TraceState,
            SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, StatusCode, StatusMessage,
            arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS eventTimes, Events.Name, Events.Attributes,
            Links.TraceId, Links.SpanId, Links.TraceState, Links.Attributes
     FROM otel_traces WHERE TraceId = {traceId:String} ORDER BY Timestamp`,
    { traceId },
  );
}

const exporters: [string, (url: string) => SpanExporter][] = [
  ['otlp-http JSON', (base) => new JsonExporter({ url: `${base}/v1/traces` })],
  ['otlp-proto', (base) => new ProtoExporter({ url: `${base}/v1/traces` })],
  ['otlp-proto gzip', (base) => new ProtoExporter({ url: `${base}/v1/traces`, compression: 'gzip' as never })],
  ['otlp-http JSON gzip', (base) => new JsonExporter({ url: `${base}/v1/traces`, compression: 'gzip' as never })],
];

describe('spans from the real OpenTelemetry exporters are stored with every field intact', () => {
  const cases: [string, () => SpanExporter][] = [
    ...exporters.map(([name, make]): [string, () => SpanExporter] => [name, () => make(collector.url('otlpHttp', ''))]),
    ['otlp-grpc', () => new GrpcExporter({ url: `http://127.0.0.1:${collector.ports.otlpGrpc}` })],
  ];
  it.each(cases)('%s', async (name, make) => {
    const service = `svc-${name.replace(/\W+/g, '-')}`;
    const ids = await emit(make(), service);
    const rows = await readSpans(ids.traceId);
    expect(rows).toHaveLength(2);
    const [parent, child] = rows as [StoredSpan, StoredSpan];
    expect(parent).toMatchObject({
      start: '1773483362555700123',
      duration: String(1_773_483_362_556_900_456n - 1_773_483_362_555_700_123n),
      TraceId: ids.traceId,
      SpanId: ids.parentId,
      ParentSpanId: '',
      SpanName: 'GET /api/v1/products',
      SpanKind: 'Server',
      ServiceName: service,
      ScopeName: 'seam-test-scope',
      ScopeVersion: '1.2.3',
      StatusCode: 'Ok',
      eventTimes: ['1773483362556000001'],
      'Events.Name': ['cache.miss'],
      'Events.Attributes': [{ key: 'products:0' }],
      'Links.TraceId': ['0af7651916cd43dd8448eb211c80319c'],
      'Links.SpanId': ['b7ad6b7169203331'],
      'Links.Attributes': [{ 'link.reason': 'retry-of' }],
    });
    expect(parent.ResourceAttributes).toEqual({ 'service.name': service, 'deployment.environment': 'test' });
    expect(parent.SpanAttributes).toEqual({
      'http.request.method': 'GET',
      'http.response.status_code': '200',
      ratio: '0.25',
      cached: 'true',
      tags: '["eng","admin"]',
    });
    expect(child).toMatchObject({
      start: '1773483362555800000',
      duration: '300999',
      SpanId: ids.childId,
      ParentSpanId: ids.parentId,
      SpanKind: 'Client',
      StatusCode: 'Error',
      StatusMessage: 'upstream 503',
    });
  });

  it('counts what each receiver accepted in /metrics', async () => {
    const text = await (await fetch(collector.url('api', '/metrics'))).text();
    expect(text).toMatch(/seam_receiver_items_accepted_total\{receiver="otlp-http",signal="spans"\} 8/);
    expect(text).toMatch(/seam_receiver_items_accepted_total\{receiver="otlp-grpc",signal="spans"\} 2/);
    expect(text).toMatch(/seam_writer_rows_written_total\{table="otel_traces"\} 10/);
  });
});
