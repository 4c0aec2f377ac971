// The exporter on its own, plugged into the real OpenTelemetry SDK's tracer provider (run in Node:
// the point is interoperability with a standard SpanProcessor, not the runtime).
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { droppedSpans, OTLPHttpJsonExporter, type OTLPExporterOptions } from '../src/index.ts';
import { attr, startOtlpSink } from './support/servers.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function sdkWith(options: Partial<OTLPExporterOptions>, respond?: Parameters<typeof startOtlpSink>[0]) {
  const sink = await startOtlpSink(respond);
  const exporter = new OTLPHttpJsonExporter({ url: `${sink.url}/v1/traces`, backoffMs: 10, ...options });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sdk-app' }),
    // The SDK's own processor: the exporter must satisfy its SpanExporter contract as is.
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  closers.push(() => provider.shutdown(), () => sink.close());
  return { sink, exporter, provider, tracer: provider.getTracer('sdk-test', '0.0.1') };
}

describe('OTLPHttpJsonExporter with the OpenTelemetry SDK', () => {
  it('sends OTLP/JSON: hex ids, integer kind, nanosecond strings, typed attributes', async () => {
    const { sink, exporter, provider, tracer } = await sdkWith({ compression: 'gzip' });
    const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER });
    const child = tracer.startSpan('child', {
      kind: SpanKind.CLIENT,
      attributes: { s: 'x', i: 42, d: 1.5, b: true, arr: ['a', 'b'], nums: [1, 2] },
    }, trace.setSpan(context.active(), parent));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream 503' });
    child.addEvent('retry', { attempt: 2 });
    child.end();
    parent.end();
    await provider.forceFlush().catch(() => undefined);
    const spans = await sink.waitFor((s) => s.length === 2);
    expect(sink.requests[0]!.headers['content-encoding']).toBe('gzip');
    expect(sink.requests[0]!.headers['content-type']).toBe('application/json');
    const raw = (sink.requests[1]!.body as { resourceSpans: { scopeSpans: { scope: unknown; spans: Record<string, unknown>[] }[] }[] }).resourceSpans[0]!;
    expect(raw.scopeSpans[0]!.scope).toEqual({ name: 'sdk-test', version: '0.0.1' });
    const c = spans.find((s) => s.name === 'child')!;
    const p = spans.find((s) => s.name === 'parent')!;
    expect(c.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(c.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(c.parentSpanId).toBe(p.spanId);
    expect([p.kind, c.kind]).toEqual([2, 3]);
    expect(c.startTimeUnixNano).toMatch(/^\d{19}$/);
    expect(c.status).toEqual({ code: 2, message: 'upstream 503' });
    const typed = Object.fromEntries(c.attributes.map((a) => [a.key, a.value]));
    expect(typed).toEqual({
      s: { stringValue: 'x' },
      i: { intValue: '42' },
      d: { doubleValue: 1.5 },
      b: { boolValue: true },
      arr: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } },
      nums: { arrayValue: { values: [{ intValue: '1' }, { intValue: '2' }] } },
    });
    expect(attr(c.events[0]!, 'attempt')).toBe('2');
    expect(p.resource['service.name']).toBe('sdk-app');
    expect(exporter.stats).toMatchObject({ exportedSpans: 2, droppedSpans: 0, queuedSpans: 0 });
  });

  it('retries 429/502/503/504 and succeeds when the collector recovers', async () => {
    const statuses = [429, 502, 504, 200];
    const { sink, exporter, provider, tracer } = await sdkWith({ maxAttempts: 4 }, (n) => ({ status: statuses[n] ?? 200 }));
    tracer.startSpan('one').end();
    await provider.forceFlush().catch(() => undefined);
    expect(sink.requests.map((r) => r.status)).toEqual([429, 502, 504, 200]);
    expect(exporter.stats).toMatchObject({ exportedSpans: 1, retries: 3, droppedSpans: 0 });
  });

  it('does not retry a 400 and counts the batch as dropped', async () => {
    const { sink, exporter, provider, tracer } = await sdkWith({ maxAttempts: 4 }, () => ({ status: 400 }));
    const before = droppedSpans();
    tracer.startSpan('bad').end();
    await provider.forceFlush().catch(() => undefined);
    expect(sink.requests).toHaveLength(1);
    expect(exporter.stats.droppedSpans).toBe(1);
    expect(droppedSpans()).toBe(before + 1);
  });

  it('gives up at once rather than retry before a Retry-After longer than it may wait', async () => {
    const { sink, exporter, provider, tracer } = await sdkWith({ maxAttempts: 5, maxRetryDelayMs: 1000 }, () => ({ status: 503, headers: { 'retry-after': '120' } }));
    tracer.startSpan('throttled').end();
    await provider.forceFlush().catch(() => undefined);
    expect(sink.requests).toHaveLength(1);
    expect(exporter.stats).toMatchObject({ droppedSpans: 1, retries: 0 });
  });

  it('bounds the spans it holds while the collector is slow', async () => {
    const { sink, exporter } = await sdkWith({ maxQueuedSpans: 3, maxAttempts: 1 }, () => ({ status: 200, hangMs: 300 }));
    const results: number[] = [];
    const span = (name: string) => ({
      name,
      kind: SpanKind.INTERNAL,
      spanContext: () => ({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: 1 }),
      startTime: [1, 0] as [number, number],
      endTime: [2, 0] as [number, number],
      status: { code: SpanStatusCode.UNSET },
      attributes: {},
      links: [],
      events: [],
      resource: { attributes: {} },
      instrumentationScope: { name: 'manual' },
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    });
    for (let i = 0; i < 5; i++) exporter.export([span(`s${i}`), span(`t${i}`)], (r) => results.push(r.code));
    expect(exporter.stats.queuedSpans).toBeLessThanOrEqual(3);
    await exporter.forceFlush();
    expect(results.filter((c) => c === 0)).toHaveLength(1);
    expect(exporter.stats).toMatchObject({ exportedSpans: 2, droppedSpans: 8, queuedSpans: 0 });
    expect(sink.requests).toHaveLength(1);
  });
});
