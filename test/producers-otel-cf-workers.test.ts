import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerdBuildOptions } from '../worker-exporter/example/build.mjs';
import { startWorkerd } from '../worker-exporter/test/support/workerd.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { waitFor } from './helpers/reliability.ts';

// A Worker instrumented with @microlabs/otel-cf-workers (not Seam's exporter), run in workerd, exports
// its spans to the real collector. Its handler puts the subject and decision on its SERVER span only,
// as DESIGN.md's conventions say; the library's fetch CLIENT spans carry neither, nor a request id. A
// loopback origin stands in for the Istio ingress and reports gateway and sidecar spans over Zipkin in
// the shape Envoy sends them, continuing the W3C trace when the Worker propagated it.
let collector: TestCollector;
let worker: Miniflare;
let mesh: { url: string; seen: IncomingHttpHeaders[]; close(): Promise<void> };
let profiles: { url: string; seen: IncomingHttpHeaders[]; close(): Promise<void> };

async function listen(handle: (path: string, headers: IncomingHttpHeaders) => Promise<{ status: number; body: string }>) {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(req.headers);
      void handle(req.url ?? '/', req.headers).then(({ status, body }) => res.writeHead(status, { 'content-type': 'text/plain' }).end(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');

/** Gateway and sidecar spans for one request; the sidecar refuses /forbidden with its RBAC local reply. */
async function reportMeshSpans(path: string, headers: IncomingHttpHeaders, status: number, size: number): Promise<void> {
  const traceparent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-/.exec(String(headers.traceparent ?? ''));
  const traceId = traceparent?.[1] ?? hex(16);
  const now = Date.now() * 1000;
  const gatewayId = hex(8);
  const routerId = hex(8);
  const common = { component: 'proxy', 'http.method': 'GET', 'http.status_code': String(status), response_size: String(size), response_flags: '-', 'guid:x-request-id': crypto.randomUUID() };
  // The subject as Istio's outputClaimToHeaders hands it to the mesh's tracing tags.
  const subject = String(headers['x-test-subject'] ?? '');
  const spans = [
    {
      traceId, id: gatewayId, ...(traceparent ? { parentId: traceparent[2] } : {}), kind: 'SERVER', name: `storefront.shop.svc.cluster.local:8080${path}`, timestamp: now, duration: 4000,
      localEndpoint: { serviceName: 'istio-ingressgateway.istio-system' },
      tags: { ...common, node_id: 'router~10.244.0.7~istio-ingressgateway-6b7f9d8c5-zx4kq.istio-system~istio-system.svc.cluster.local', 'enduser.id': subject },
    },
    {
      traceId, id: routerId, parentId: gatewayId, kind: 'CLIENT', name: 'router outbound|8080||storefront.shop.svc.cluster.local; egress', timestamp: now + 100, duration: 3500,
      localEndpoint: { serviceName: 'istio-ingressgateway.istio-system' }, tags: common,
    },
    {
      traceId, id: hex(8), parentId: routerId, kind: 'SERVER', name: `storefront.shop.svc.cluster.local:8080${path}`, timestamp: now + 200, duration: 3000,
      localEndpoint: { serviceName: 'storefront.shop' },
      tags: { ...common, node_id: 'sidecar~10.244.1.12~storefront-7d9c8b6f5-k2m4p.shop~shop.svc.cluster.local', 'enduser.id': subject },
    },
  ];
  const response = await fetch(collector.url('zipkin', '/api/v2/spans'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spans) });
  if (response.status !== 202) throw new Error(`zipkin receiver answered ${response.status}`);
}

/**
 * Bundled as wrangler does for a Worker with nodejs_compat: the library's OpenTelemetry packages take
 * their browser builds, `node:*` modules come from workerd. The handler's `@opentelemetry/api` is the
 * library's own copy, as one deduplicated install would give, so both see the same active span.
 */
async function bundle(): Promise<string> {
  const out = await build({
    ...workerdBuildOptions,
    platform: 'browser',
    external: ['node:*'],
    entryPoints: [fileURLToPath(new URL('../worker-exporter/test/workers/otel-cf-workers.ts', import.meta.url))],
    alias: { '@opentelemetry/api': fileURLToPath(new URL('../node_modules/@microlabs/otel-cf-workers/node_modules/@opentelemetry/api', import.meta.url)) },
    write: false,
    logLevel: 'warning',
  });
  return out.outputFiles[0]!.text;
}

beforeAll(async () => {
  collector = await startTestCollector();
  mesh = await listen(async (path, headers) => {
    const denied = path.includes('/forbidden');
    const body = denied ? 'RBAC: access denied' : '{"cart":[]}';
    await reportMeshSpans(path, headers, denied ? 403 : 200, body.length);
    return { status: denied ? 403 : 200, body };
  });
  profiles = await listen(async () => ({ status: 200, body: '{"tier":"gold"}' }));
  worker = startWorkerd({
    script: await bundle(),
    nodejsCompat: true,
    bindings: { OTLP_URL: collector.url('otlpHttp', '/v1/traces'), MESH_URL: mesh.url, PROFILE_URL: profiles.url },
  });
  await worker.ready;
}, 120_000);
afterAll(async () => {
  await worker?.dispose();
  await Promise.all([mesh?.close(), profiles?.close()]);
  await collector?.close();
});

/** One request through the Worker; the edge trace id once the library's export has arrived. */
async function call(path: string, subject: string, stripTrace: boolean): Promise<{ status: number; edgeTrace: string }> {
  const ray = hex(8);
  const response = await worker.dispatchFetch(`https://shop.test${path}`, {
    headers: { 'x-test-subject': subject, 'cf-ray': `${ray}-FRA`, ...(stripTrace ? { 'x-test-strip-trace': '1' } : {}) },
  });
  await response.text();
  let edgeTrace = '';
  // The library exports after the response, in waitUntil; the SERVER span ends last.
  await waitFor(async () => {
    const rows = await collector.query<{ TraceId: string; spans: string }>(
      "SELECT TraceId, toString(count()) AS spans FROM otel_traces WHERE TraceId IN (SELECT TraceId FROM otel_traces WHERE RayId = {ray:String} AND Layer = 'edge') GROUP BY TraceId",
      { ray },
    );
    edgeTrace = rows[0]?.TraceId ?? '';
    return rows.length === 1 && Number(rows[0]!.spans) >= (path.includes('/forbidden') || subject !== '' ? 3 : 1);
  }, `the Worker's spans for ray ${ray}`, 20_000);
  return { status: response.status, edgeTrace };
}

const meshTraceOf = async (subject: string) => {
  let trace = '';
  await waitFor(async () => {
    const rows = await collector.query<{ TraceId: string }>("SELECT DISTINCT TraceId FROM otel_traces WHERE Layer = 'gateway' AND Subject = {s:String}", { s: subject });
    trace = rows[0]?.TraceId ?? '';
    return rows.length === 1;
  }, `the mesh spans of ${subject}`, 20_000);
  return trace;
};

describe('an edge instrumented with @microlabs/otel-cf-workers', () => {
  it('exports its subrequests without subject or request id: the subject is only on its SERVER span', async () => {
    const { status, edgeTrace } = await call('/api/cart', 'auth0|dana', false);
    expect(status).toBe(200);
    const spans = await collector.query<{ SpanKind: string; JoinRole: string; Subject: string; RequestId: string }>(
      // workerd stops the clock while a request runs, so the spans share a start time: the SERVER span first.
      "SELECT SpanKind, JoinRole, Subject, RequestId FROM otel_traces WHERE TraceId = {t:String} AND Layer = {l:String} ORDER BY SpanKind = 'Client', Timestamp",
      { t: edgeTrace, l: 'edge' },
    );
    expect(spans).toEqual([
      { SpanKind: 'Server', JoinRole: 'edge_request', Subject: 'auth0|dana', RequestId: '' },
      { SpanKind: 'Client', JoinRole: 'edge_subrequest', Subject: '', RequestId: '' },
      { SpanKind: 'Client', JoinRole: 'edge_subrequest', Subject: '', RequestId: '' },
    ]);
  });

  it('with trace context propagated: one trace, a trace_id link, no mismatch', async () => {
    const { edgeTrace } = await call('/api/cart', 'auth0|erin', false);
    expect(mesh.seen.at(-1)?.traceparent).toMatch(new RegExp(`^00-${edgeTrace}-`));
    expect(await meshTraceOf('auth0|erin')).toBe(edgeTrace);
    expect(await collector.query('SELECT Method FROM seam_links WHERE EdgeTraceId = {t:String}', { t: edgeTrace })).toEqual([{ Method: 'trace_id' }]);
    expect(await collector.query('SELECT Kind FROM seam_mismatches WHERE TraceId = {t:String} OR MeshTraceId = {t:String}', { t: edgeTrace })).toEqual([]);
  });

  it('with trace context stripped: linked by identity and time to the subrequest that entered the mesh, reported as broken propagation', async () => {
    const { edgeTrace } = await call('/api/cart', 'auth0|frank', true);
    expect(mesh.seen.at(-1)?.traceparent).toBeUndefined();
    const meshTrace = await meshTraceOf('auth0|frank');
    expect(meshTrace).not.toBe(edgeTrace);
    expect(await collector.query('SELECT EdgeTraceId, Method FROM seam_links WHERE MeshTraceId = {t:String}', { t: meshTrace })).toEqual([
      { EdgeTraceId: edgeTrace, Method: 'identity_time' },
    ]);
    expect(await collector.query('SELECT Kind, TraceId, Subject FROM seam_mismatches WHERE TraceId IN ({e:String}, {m:String}) ORDER BY Kind', { e: edgeTrace, m: meshTrace })).toEqual([
      { Kind: 'broken_propagation', TraceId: edgeTrace, Subject: 'auth0|frank' },
    ]);
  });

  it('with trace context stripped and the mesh refusing: edge_allow_mesh_deny names the refusing sidecar and the entry apart', async () => {
    const { status, edgeTrace } = await call('/api/forbidden', 'auth0|gina', true);
    expect(status).toBe(403);
    const meshTrace = await meshTraceOf('auth0|gina');
    expect(
      await collector.query('SELECT Kind, MeshDecision, MeshReason, MeshService, MeshEvidence, MeshEntryService FROM seam_mismatches WHERE TraceId = {e:String} ORDER BY Kind', { e: edgeTrace }),
    ).toEqual([
      { Kind: 'broken_propagation', MeshDecision: 'deny', MeshReason: 'rbac', MeshService: 'storefront.shop', MeshEvidence: 'span', MeshEntryService: 'istio-ingressgateway.istio-system' },
      { Kind: 'edge_allow_mesh_deny', MeshDecision: 'deny', MeshReason: 'rbac', MeshService: 'storefront.shop', MeshEvidence: 'span', MeshEntryService: 'istio-ingressgateway.istio-system' },
    ]);
    expect(await collector.query("SELECT Kind FROM seam_mismatches WHERE Kind = 'mesh_without_edge' AND MeshTraceId = {m:String}", { m: meshTrace })).toEqual([]);
  });
});
