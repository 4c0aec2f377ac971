import type { Miniflare } from 'miniflare';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attr, startOrigin, startOtlpSink, startServer } from './support/servers.ts';
import { bundleWorker, startWorkerd } from './support/workerd.ts';

const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 };
let script: string;
let origin: Awaited<ReturnType<typeof startOrigin>>;
let mf: Miniflare | undefined;
const sinks: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  script = await bundleWorker(join(import.meta.dirname, 'workers', 'harness.ts'));
  origin = await startOrigin();
});
afterEach(async () => {
  await mf?.dispose();
  mf = undefined;
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});
afterAll(() => origin.close());

async function harness(otlpUrl: string, bindings: Record<string, string> = {}, nodejsCompat = true): Promise<Miniflare> {
  mf = startWorkerd({
    script,
    nodejsCompat,
    bindings: {
      OTLP_URL: otlpUrl,
      ORIGIN_URL: origin.url,
      RATIO: '1',
      SLOW_MS: '60000',
      GZIP: '0',
      MAX_ATTEMPTS: '3',
      MAX_QUEUED: '2048',
      FORMATS: 'tracecontext,b3multi',
      BATCH_DELAY_MS: '200',
      ...bindings,
    },
  });
  await mf.ready;
  return mf;
}

async function sink(...args: Parameters<typeof startOtlpSink>) {
  const s = await startOtlpSink(...args);
  sinks.push(s);
  return s;
}

async function droppedInWorker(worker: Miniflare, atLeast: number): Promise<number> {
  const deadline = Date.now() + 8000;
  let dropped = 0;
  while (Date.now() < deadline) {
    dropped = ((await (await worker.dispatchFetch('https://edge.test/stats')).json()) as { dropped: number }).dropped;
    if (dropped >= atLeast) return dropped;
    await new Promise((r) => setTimeout(r, 50));
  }
  return dropped;
}

const TRACE = '9c3e1d5a7b2f4c68a1e0d7b35f9c2a41';
const CALLER_SPAN = '5d1c7a9e3b2f8064';

describe.each([
  { mode: 'nodejs_compat (AsyncLocalStorage)', compat: true },
  { mode: 'no nodejs_compat (synchronous context)', compat: false },
])('instrumented Worker in workerd, $mode', ({ compat }) => {
  it('exports SERVER, INTERNAL and CLIENT spans with links, attributes and propagation a proxy continues', async () => {
    const otlp = await sink();
    const worker = await harness(`${otlp.url}/v1/traces`, { GZIP: compat ? '1' : '0' }, compat);
    const unsampledTrace = 'aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb';
    await (await worker.dispatchFetch('https://edge.test/', { headers: { traceparent: `00-${unsampledTrace}-${CALLER_SPAN}-00` } })).text();

    const res = await worker.dispatchFetch('https://edge.test/custom?access_token=secret', {
      headers: { 'cf-ray': '8f3a1c2b9d4e5f60-FRA', 'user-agent': 'vitest', 'cf-connecting-ip': '203.0.113.7', traceparent: `00-${TRACE}-${CALLER_SPAN}-01` },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('custom 200');

    const all = await otlp.waitFor((s) => s.filter((x) => x.traceId === TRACE).length >= 4);
    expect(otlp.requests.at(-1)!.headers['content-encoding']).toBe(compat ? 'gzip' : undefined);
    // The caller said "not sampled" and the ratio is 1: the caller's flag wins.
    expect(all.filter((s) => s.traceId === unsampledTrace)).toEqual([]);
    const spans = all.filter((s) => s.traceId === TRACE);
    const byName = (n: string) => spans.find((s) => s.name === n)!;
    const server = spans.find((s) => s.kind === KIND.SERVER)!;
    const profile = byName('load-profile');
    const render = byName('render');
    const client = spans.find((s) => s.kind === KIND.CLIENT)!;

    expect(server.parentSpanId).toBe(CALLER_SPAN);
    expect(server.name).toBe('GET');
    expect(profile.parentSpanId).toBe(server.spanId);
    expect(profile.kind).toBe(KIND.INTERNAL);
    expect(attr(profile, 'profile.cached')).toBe(false);
    // After an await only AsyncLocalStorage knows the active span; without it the request's SERVER
    // span (the only request in flight) becomes the parent.
    const expectedParent = compat ? profile.spanId : server.spanId;
    expect(render.parentSpanId).toBe(expectedParent);
    expect(client.parentSpanId).toBe(expectedParent);
    for (const s of spans) {
      expect(s.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(s.startTimeUnixNano).toMatch(/^\d{19}$/);
      expect(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano)).toBe(true);
      expect(s.resource).toMatchObject({
        'service.name': 'harness',
        'service.version': '1.2.3',
        'cloud.provider': 'cloudflare',
        'cloud.platform': 'cloudflare.workers',
      });
    }
    expect(attr(server, 'http.request.method')).toBe('GET');
    expect(attr(server, 'url.full')).toBe('https://edge.test/custom');
    expect(attr(server, 'url.path')).toBe('/custom');
    expect(attr(server, 'http.response.status_code')).toBe('200');
    expect(attr(server, 'cloudflare.ray_id')).toBe('8f3a1c2b9d4e5f60-FRA');
    expect(attr(server, 'cloudflare.colo')).toBe('FRA');
    expect(attr(server, 'cloudflare.asn')).toBe('13335');
    expect(attr(server, 'geo.country.iso_code')).toBe('DE');
    expect(attr(server, 'client.address')).toBe('203.0.113.7');
    expect(attr(server, 'user_agent.original')).toBe('vitest');
    expect(JSON.stringify(spans)).not.toContain('secret');

    const seen = origin.seen.filter((r) => r.url === '/profile').at(-1)!;
    const traceparent = String(seen.headers.traceparent);
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(traceparent).toBe(`00-${TRACE}-${client.spanId}-01`);
    expect(seen.headers['x-b3-traceid']).toBe(TRACE);
    expect(seen.headers['x-b3-spanid']).toBe(client.spanId);
    expect(seen.headers['x-b3-parentspanid']).toBe(client.parentSpanId);
    expect(seen.headers['x-b3-sampled']).toBe('1');
    const requestId = String(seen.headers['x-request-id']);
    expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(requestId[14]).toBe('9');
    expect(attr(client, 'seam.request_id')).toBe(requestId);
    expect(attr(client, 'http.response.status_code')).toBe('200');
    expect(attr(client, 'url.full')).toBe(`${origin.url}/profile`);
  });
});

describe('instrumented Worker in workerd: sampling, errors and a failing collector', () => {
  it('sends a single b3 header when configured so, and no W3C header', async () => {
    const otlp = await sink();
    const worker = await harness(`${otlp.url}/v1/traces`, { FORMATS: 'b3' });
    await (await worker.dispatchFetch('https://edge.test/custom', { headers: { traceparent: `00-${TRACE}-${CALLER_SPAN}-01` } })).text();
    const spans = await otlp.waitFor((s) => s.some((x) => x.kind === KIND.CLIENT && x.traceId === TRACE));
    const client = spans.find((x) => x.kind === KIND.CLIENT && x.traceId === TRACE)!;
    const seen = origin.seen.at(-1)!;
    expect(seen.headers.b3).toBe(`${TRACE}-${client.spanId}-1-${client.parentSpanId}`);
    expect(seen.headers.traceparent).toBeUndefined();
    expect(seen.headers['x-b3-traceid']).toBeUndefined();
  });

  it('keeps errored, slow and caller-sampled requests at ratio 0 and drops the rest', async () => {
    const otlp = await sink();
    const worker = await harness(`${otlp.url}/v1/traces`, { RATIO: '0', SLOW_MS: '50' });
    expect(await (await worker.dispatchFetch('https://edge.test/')).text()).toBe('hello');
    await (await worker.dispatchFetch('https://edge.test/', { headers: { traceparent: `00-${TRACE}-${CALLER_SPAN}-01` } })).text();
    expect(await (await worker.dispatchFetch('https://edge.test/slow?ms=120')).text()).toBe('slow');
    const thrown = await worker.dispatchFetch('https://edge.test/throw');
    expect(thrown.status).toBe(500);
    await thrown.arrayBuffer();

    const spans = await otlp.waitFor((s) => s.filter((x) => x.kind === KIND.SERVER).length >= 3);
    const servers = spans.filter((x) => x.kind === KIND.SERVER);
    const paths = servers.map((s) => `${attr(s, 'url.path')}`).sort();
    expect(paths).toEqual(['/', '/slow', '/throw']);
    expect(servers.find((s) => attr(s, 'url.path') === '/')!.traceId).toBe(TRACE);
    const failed = servers.find((s) => attr(s, 'url.path') === '/throw')!;
    expect(failed.status).toEqual({ code: 2, message: 'boom' });
    expect(attr(failed, 'error.type')).toBe('TypeError');
    const exception = failed.events.find((e) => e.name === 'exception')!;
    expect(attr(exception, 'exception.type')).toBe('TypeError');
    expect(attr(exception, 'exception.message')).toBe('boom');
    // Unsampled but kept: the flags say so.
    expect(failed.flags).toBe(0);
  });

  it('retries a 503 after the Retry-After delay', async () => {
    const otlp = await sink((n) => (n === 0 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 }));
    const worker = await harness(`${otlp.url}/v1/traces`);
    expect(await (await worker.dispatchFetch('https://edge.test/')).text()).toBe('hello');
    await otlp.waitFor((s) => s.length >= 1);
    expect(otlp.requests.map((r) => r.status)).toEqual([503, 200]);
    expect(otlp.requests[1]!.at - otlp.requests[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('answers exactly as before while the collector returns 503, then drops and counts the spans', async () => {
    const otlp = await sink(() => ({ status: 503 }));
    const worker = await harness(`${otlp.url}/v1/traces`);
    const res = await worker.dispatchFetch('https://edge.test/');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello');
    expect(await droppedInWorker(worker, 1)).toBeGreaterThanOrEqual(1);
    // Three attempts for the first request's batch: the first plus two retries.
    expect(otlp.requests.filter((r) => JSON.stringify(r.body).includes('"/"')).length).toBe(3);
  });

  it('answers exactly as before while the collector is unreachable, and counts the dropped spans', async () => {
    const closed = await startServer((_q, _b, res) => void res.end());
    await closed.close();
    const worker = await harness(`${closed.url}/v1/traces`, { MAX_ATTEMPTS: '2' });
    const res = await worker.dispatchFetch('https://edge.test/custom');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('custom 200');
    expect(await droppedInWorker(worker, 4)).toBeGreaterThanOrEqual(4);
  });

  it('does not wait for a hanging collector and holds at most maxQueuedSpans spans', async () => {
    const otlp = await sink(() => ({ status: 200, hangMs: 4000 }));
    const worker = await harness(`${otlp.url}/v1/traces`, { MAX_QUEUED: '5', MAX_ATTEMPTS: '1', BATCH_DELAY_MS: '0' });
    const started = Date.now();
    for (let i = 0; i < 12; i++) {
      const res = await worker.dispatchFetch('https://edge.test/');
      expect(await res.text()).toBe('hello');
    }
    // Twelve responses while not one export has been answered.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(otlp.requests.filter((r) => r.status === 200).length).toBeLessThanOrEqual(5);
    // Five single-span batches fill the queue; the other seven are dropped at once.
    expect(await droppedInWorker(worker, 7)).toBeGreaterThanOrEqual(7);
  });

  it('sends the spans of requests close together in one export', async () => {
    const otlp = await sink();
    const worker = await harness(`${otlp.url}/v1/traces`, { BATCH_DELAY_MS: '1000' });
    for (let i = 0; i < 6; i++) expect(await (await worker.dispatchFetch(`https://edge.test/item/${i}`)).text()).toBe('hello');
    const spans = await otlp.waitFor((s) => s.length >= 6);
    expect(spans.map((s) => attr(s, 'url.path')).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `/item/${i}`));
    expect(otlp.requests.length).toBeLessThan(3);
  });

  it('sends each request\'s spans in an export of their own with batch.delayMs 0', async () => {
    const unbatched = await sink();
    const eager = await harness(`${unbatched.url}/v1/traces`, { BATCH_DELAY_MS: '0' });
    for (let i = 0; i < 3; i++) await (await eager.dispatchFetch(`https://edge.test/item/${i}`)).text();
    await unbatched.waitFor((s) => s.length >= 3);
    expect(unbatched.requests.length).toBe(3);
  });
});
