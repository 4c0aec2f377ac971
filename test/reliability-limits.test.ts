import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { metric, spanBatch, startWith } from './helpers/reliability.ts';

// Each decoder limit and the body limits, through the real HTTP receiver, with small limits.
let collector: Awaited<ReturnType<typeof startWith>>;
beforeAll(async () => {
  collector = await startWith({}, (config) =>
    Object.assign(config.limits, {
      maxBodyBytes: 2 * 1024 * 1024,
      maxSpansPerRequest: 10,
      maxAttributesPerSpan: 4,
      maxAttributeKeyLength: 16,
      maxAttributeValueLength: 32,
      maxEventsPerSpan: 2,
      maxLinksPerSpan: 2,
      maxAnyValueDepth: 2,
    }),
  );
});
afterAll(async () => {
  await collector?.close();
});

const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(collector.url('otlpHttp', '/v1/traces'), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

it('a gzip bomb gets 413 without being inflated to the body limit', async () => {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const response = await post(bomb, { 'content-encoding': 'gzip' });
  const body = (await response.json()) as { message: string };
  const figures = { compressedBytes: bomb.length, status: response.status, ms: Math.round(performance.now() - started), rssGrowthMb: Math.round((process.memoryUsage().rss - rssBefore) / 1e6) };
  console.log('gzip bomb (64 MiB of spaces):', figures);
  expect(response.status).toBe(413);
  // Whichever trips first, inflation stops near the body limit: the decompression ratio check (past 1 MiB
  // inflated) or Fastify's body limit, which @fastify/compress applies to the inflated stream.
  expect(body.message).toMatch(/inflates more than 100 times|larger than 2097152 bytes after decompression/);
  expect(figures.rssGrowthMb).toBeLessThan(64);
});

it('a body past maxBodyBytes gets 413, compressed or not, and a normal gzip body is accepted', async () => {
  const large = `{"resourceSpans":[],"pad":"${'a'.repeat(3 * 1024 * 1024)}"}`;
  expect((await post(large)).status).toBe(413);
  const random = `{"resourceSpans":[],"pad":"${randomBytes(3 * 1024 * 1024).toString('base64')}"}`;
  expect((await post(gzipSync(random), { 'content-encoding': 'gzip' })).status).toBe(413);
  expect((await post(gzipSync(spanBatch('limits', 5).body), { 'content-encoding': 'gzip' })).status).toBe(200);
});

it('maxSpansPerRequest: spans past it are refused through partial success and counted', async () => {
  const before = await metric(collector.ports.api, 'seam_receiver_items_rejected_total');
  const response = await post(spanBatch('limits', 15).body);
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ partialSuccess: { rejectedSpans: '5' } });
  expect((await metric(collector.ports.api, 'seam_receiver_items_rejected_total')) - before).toBe(5);
});

it('maxAnyValueDepth: a span with a value nested deeper is refused through partial success and counted', async () => {
  let deep: Record<string, unknown> = { stringValue: 'bottom' };
  for (let level = 0; level < 8; level++) deep = { kvlistValue: { values: [{ key: `l${level}`, value: deep }] } };
  const request = JSON.parse(spanBatch('limit-depth', 2).body) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
  request.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes = [{ key: 'deep', value: deep }];
  const before = await metric(collector.ports.api, 'seam_receiver_items_rejected_total');
  const response = await post(JSON.stringify(request));
  expect(await response.json()).toMatchObject({ partialSuccess: { rejectedSpans: '1', errorMessage: expect.stringMatching(/nests deeper than 2 levels/) } });
  expect((await metric(collector.ports.api, 'seam_receiver_items_rejected_total')) - before).toBe(1);
});

it('attribute count, key and value length, events and links are cut and counted', async () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['maxAttributesPerSpan', { attributes: Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: { stringValue: 'v' } })) }, 'length(mapKeys(SpanAttributes)) = 4'],
    ['maxAttributeKeyLength', { attributes: [{ key: 'k'.repeat(40), value: { stringValue: 'v' } }] }, "has(mapKeys(SpanAttributes), repeat('k', 16))"],
    ['maxAttributeValueLength', { attributes: [{ key: 'v', value: { stringValue: 'x'.repeat(100) } }] }, "length(SpanAttributes['v']) = 32"],
    ['maxEventsPerSpan', { events: Array.from({ length: 5 }, (_, i) => ({ timeUnixNano: '1', name: `e${i}` })) }, 'length(Events.Name) = 2'],
    ['maxLinksPerSpan', { links: Array.from({ length: 5 }, () => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' })) }, 'length(Links.SpanId) = 2'],
  ];
  for (const [limit, extra, check] of cases) {
    const { body, keys } = spanBatch(`limit-${limit}`, 1);
    const request = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    Object.assign(request.resourceSpans[0]!.scopeSpans[0]!.spans[0]!, extra);
    const before = await metric(collector.ports.api, 'seam_receiver_values_truncated_total');
    expect((await post(JSON.stringify(request))).status, limit).toBe(200);
    expect((await metric(collector.ports.api, 'seam_receiver_values_truncated_total')) - before, limit).toBeGreaterThan(0);
    const [traceId, spanId] = keys[0]!.split(' ');
    const rows = await collector.query(`SELECT ${check} AS ok FROM otel_traces WHERE TraceId = {t:String} AND SpanId = {s:String}`, { t: traceId, s: spanId });
    expect(rows, limit).toEqual([{ ok: 1 }]);
  }
});
