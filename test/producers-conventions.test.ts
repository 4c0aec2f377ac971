import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toOtlpJson, toZipkinJson, type AbstractSpan } from './generator/encode.ts';
import { postJson, startTestCollector, type TestCollector } from './helpers/collector.ts';

// Edge spans that say only what DESIGN.md's conventions ask for, from two producers: a team's own
// spans (subject and decision on the SERVER span; on the CLIENT span into the mesh only
// `seam.request_id`) and Workers' built-in tracing (no propagation, `cloudflare.ray_id` and `faas.*`
// on a root span of unspecified kind, an unspecified-kind `fetch` child). For every link method each
// can give, the request's SERVER span and its subrequest reach the collector together, subrequest
// first, or request first, with the mesh's spans in between; the correlation must be the same.
let collector: TestCollector;
const base = Date.UTC(2026, 10, 21, 10, 0, 0);
const ms = 1_000_000n;
const hex = (length: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(length / 2))).toString('hex');

type Shape = 'conventions' | 'workers_builtin';
type Method = 'trace_id' | 'cf_ray' | 'request_id' | 'identity_time';
type Delivery = 'together' | 'subrequest first' | 'request first';

interface Case {
  shape: Shape;
  method: Method;
  delivery: Delivery;
  subject: string;
  edgeTrace: string;
  meshTrace: string;
  parts: { first: AbstractSpan[]; last: AbstractSpan[]; mesh: AbstractSpan[] };
}

const envoy = { 'telemetry.sdk.name': 'envoy' };
const gatewayNode = 'router~10.244.0.7~istio-ingressgateway-6b7f9d8c5-zx4kq.istio-system~istio-system.svc.cluster.local';
const sidecarNode = (workload: string) => `sidecar~10.244.1.12~${workload}-7d9c8b6f5-k2m4p.shop~shop.svc.cluster.local`;

/** An edge request as the producer records it: the request span and its subrequest into the mesh. */
function edgeRequest(shape: Shape, traceId: string, startMs: number, subject: string, ray: string, requestId: string): { server: AbstractSpan; client: AbstractSpan } {
  const builtin = shape === 'workers_builtin';
  const resource: Record<string, string> = builtin ? { 'cloudflare.script_name': 'edge-shop' } : { 'cloud.provider': 'cloudflare', 'cloud.platform': 'cloudflare.workers' };
  const server: AbstractSpan = {
    traceId, spanId: hex(16), parentId: '', name: builtin ? 'fetch' : 'GET /api/cart', kind: builtin ? 'Unspecified' : 'Server', service: 'edge-shop',
    startNs: BigInt(startMs) * ms, durationNs: 40n * ms, resource,
    attributes: {
      ...(builtin ? { 'faas.trigger': 'http', 'cloudflare.colo': 'FRA', 'url.full': 'https://shop.example.com/api/cart', 'http.request.method': 'GET' } : {}),
      'cloudflare.ray_id': ray, 'enduser.id': subject, 'seam.auth.issuer': 'https://idp.test/', 'seam.auth.kid': 'k1', 'seam.auth.groups': ['shoppers'],
      'seam.authz.decision': 'allow', 'seam.authz.reason': 'route_policy',
    },
  };
  const client: AbstractSpan = {
    traceId, spanId: hex(16), parentId: server.spanId, name: builtin ? 'fetch' : 'fetch GET', kind: builtin ? 'Unspecified' : 'Client', service: 'edge-shop',
    startNs: server.startNs + 5n * ms, durationNs: 30n * ms, resource,
    attributes: builtin ? { 'url.full': 'https://mesh.example.com/api/cart', 'http.request.method': 'GET' } : { 'seam.request_id': requestId },
  };
  return { server, client };
}

/** Istio ≥1.28's gateway SERVER and `router … egress` spans and the storefront sidecar, all allowing. */
function meshRequest(traceId: string, parentId: string, startMs: number, subject: string, ray: string, requestId: string): AbstractSpan[] {
  const common = { component: 'proxy', 'http.status_code': '200', response_size: '120', response_flags: '-', 'guid:x-request-id': requestId };
  const start = BigInt(startMs) * ms;
  const gateway: AbstractSpan = {
    traceId, spanId: hex(16), parentId, name: 'storefront.shop.svc.cluster.local:8080/api/cart*', kind: 'Server', service: 'istio-ingressgateway.istio-system',
    startNs: start, durationNs: 20n * ms, resource: envoy,
    attributes: { ...common, node_id: gatewayNode, 'enduser.id': subject, ...(ray ? { 'cf.ray': `${ray}-FRA` } : {}) },
  };
  const router: AbstractSpan = {
    traceId, spanId: hex(16), parentId: gateway.spanId, name: 'router outbound|8080||storefront.shop.svc.cluster.local; egress', kind: 'Client',
    service: 'istio-ingressgateway.istio-system', startNs: start + ms, durationNs: 18n * ms, resource: envoy, attributes: common,
  };
  const sidecar: AbstractSpan = {
    traceId, spanId: hex(16), parentId: router.spanId, name: 'storefront.shop.svc.cluster.local:8080/api/cart*', kind: 'Server', service: 'storefront.shop',
    startNs: start + 2n * ms, durationNs: 15n * ms, resource: envoy, attributes: { ...common, node_id: sidecarNode('storefront'), 'enduser.id': subject },
  };
  return [gateway, router, sidecar];
}

const cases: Case[] = [];
const methodsOf: Record<Shape, Method[]> = { conventions: ['trace_id', 'cf_ray', 'request_id', 'identity_time'], workers_builtin: ['cf_ray', 'identity_time'] };
for (const shape of ['conventions', 'workers_builtin'] as const) {
  for (const method of methodsOf[shape]) {
    for (const delivery of ['together', 'subrequest first', 'request first'] as const) {
      // Ten seconds apart, so no two cases' subjects or times can meet.
      const startMs = base + cases.length * 10_000;
      const subject = `auth0|${shape}-${method}-${delivery.replace(' ', '-')}`;
      const edgeTrace = hex(32);
      const ray = hex(16);
      const requestId = crypto.randomUUID();
      const { server, client } = edgeRequest(shape, edgeTrace, startMs, subject, ray, requestId);
      const meshTrace = method === 'trace_id' ? edgeTrace : hex(32);
      const mesh = meshRequest(meshTrace, method === 'trace_id' ? client.spanId : '', startMs + 7, subject, method === 'cf_ray' ? ray : '', method === 'request_id' ? requestId : crypto.randomUUID());
      const parts =
        delivery === 'together' ? { first: [server, client], last: [], mesh } : delivery === 'subrequest first' ? { first: [client], last: [server], mesh } : { first: [server], last: [client], mesh };
      cases.push({ shape, method, delivery, subject, edgeTrace, meshTrace, parts });
    }
  }
}

async function send(spans: AbstractSpan[], receiver: 'otlp' | 'zipkin'): Promise<void> {
  if (spans.length === 0) return;
  const response =
    receiver === 'otlp'
      ? await postJson(collector.url('otlpHttp', '/v1/traces'), toOtlpJson(spans))
      : await postJson(collector.url('zipkin', '/api/v2/spans'), toZipkinJson(spans));
  expect(response.status).toBeLessThan(300);
}

beforeAll(async () => {
  collector = await startTestCollector();
  for (const c of cases) await send(c.parts.first, 'otlp');
  for (const c of cases) await send(c.parts.mesh, 'zipkin');
  for (const c of cases) await send(c.parts.last, 'otlp');
}, 120_000);
afterAll(async () => {
  await collector?.close();
});

describe('identity and decision on the SERVER span only', () => {
  it.each(cases.map((c) => [`${c.shape}, ${c.method}, ${c.delivery}`, c] as const))('%s: linked by that method, with the request’s subject', async (_name, c) => {
    expect(await collector.query('SELECT EdgeTraceId, Method, Subject FROM seam_links WHERE MeshTraceId = {m:String}', { m: c.meshTrace })).toEqual([
      { EdgeTraceId: c.edgeTrace, Method: c.method, Subject: c.subject },
    ]);
    const mismatches = await collector.query<{ Kind: string }>('SELECT Kind FROM seam_mismatches WHERE MeshTraceId = {m:String} ORDER BY Kind', { m: c.meshTrace });
    expect(mismatches.map((m) => m.Kind)).toEqual(c.method === 'trace_id' ? [] : ['broken_propagation']);
  });

  it('an identity match two edge requests could claim is reported as ambiguous, not guessed', async () => {
    const startMs = base + cases.length * 10_000;
    const subject = 'auth0|twin';
    const requests = [0, 400].map((offset) => {
      const { server, client } = edgeRequest('conventions', hex(32), startMs + offset, subject, hex(16), crypto.randomUUID());
      return { server, client, mesh: meshRequest(hex(32), '', startMs + offset + 7, subject, '', crypto.randomUUID()) };
    });
    await send(requests.flatMap((r) => [r.server, r.client]), 'otlp');
    await send(requests.flatMap((r) => r.mesh), 'zipkin');
    const meshTraces = requests.map((r) => r.mesh[0]!.traceId);
    expect(await collector.query('SELECT * FROM seam_links WHERE MeshTraceId IN {m:Array(String)}', { m: meshTraces })).toEqual([]);
    const ambiguous = await collector.query<{ EdgeTraceId: string; Candidates: string }>(
      'SELECT EdgeTraceId, toString(Candidates) AS Candidates FROM seam_ambiguous_identity_links WHERE Subject = {s:String} ORDER BY Timestamp',
      { s: subject },
    );
    expect(ambiguous).toEqual(requests.map((r) => ({ EdgeTraceId: r.server.traceId, Candidates: '2' })));
  });
});

describe('a mismatch names who decided', () => {
  it('gateway → storefront → cart → pricing, pricing refusing itself: the mismatch is about pricing.shop, entered at the gateway', async () => {
    const startMs = base + (cases.length + 2) * 10_000;
    const traceId = hex(32);
    const { server, client } = edgeRequest('conventions', traceId, startMs, 'auth0|hana', hex(16), crypto.randomUUID());
    // Every proxy on the way back passes pricing's RBAC reply (403, 19 bytes) through.
    const denied = { component: 'proxy', 'http.status_code': '403', response_size: '19', response_flags: '-', 'guid:x-request-id': crypto.randomUUID() };
    const start = BigInt(startMs + 7) * ms;
    const spans: AbstractSpan[] = [];
    const add = (span: Omit<AbstractSpan, 'traceId' | 'spanId' | 'resource' | 'durationNs'>) => {
      const full = { ...span, traceId, spanId: hex(16), resource: envoy, durationNs: 10n * ms };
      spans.push(full);
      return full.spanId;
    };
    const gatewayService = 'istio-ingressgateway.istio-system';
    const gateway = add({ parentId: client.spanId, name: 'storefront.shop.svc.cluster.local:8080/api/cart*', kind: 'Server', service: gatewayService, startNs: start, attributes: { ...denied, node_id: gatewayNode, 'enduser.id': 'auth0|hana' } });
    let parent = add({ parentId: gateway, name: 'router outbound|8080||storefront.shop.svc.cluster.local; egress', kind: 'Client', service: gatewayService, startNs: start + ms, attributes: denied });
    for (const [hop, workload] of ['storefront', 'cart', 'pricing'].entries()) {
      const at = start + BigInt(2 + hop * 2) * ms;
      const inbound = add({ parentId: parent, name: `${workload}.shop.svc.cluster.local:8080/*`, kind: 'Server', service: `${workload}.shop`, startNs: at, attributes: { ...denied, node_id: sidecarNode(workload), 'enduser.id': 'auth0|hana' } });
      if (workload !== 'pricing') parent = add({ parentId: inbound, name: `outbound|8080||${workload === 'storefront' ? 'cart' : 'pricing'}.shop.svc.cluster.local`, kind: 'Client', service: `${workload}.shop`, startNs: at + ms, attributes: { ...denied, node_id: sidecarNode(workload) } });
    }
    await send(spans, 'zipkin');
    await send([server, client], 'otlp');

    expect(await collector.query('SELECT Kind, MeshService, MeshReason, MeshEvidence, MeshEntryService FROM seam_mismatches WHERE TraceId = {t:String}', { t: traceId })).toEqual([
      { Kind: 'edge_allow_mesh_deny', MeshService: 'pricing.shop', MeshReason: 'rbac', MeshEvidence: 'span', MeshEntryService: gatewayService },
    ]);
    const from = startMs - 60_000;
    const response = await fetch(collector.url('api', `/api/v1/mismatches?from=${from}&to=${startMs + 60_000}&kind=edge_allow_mesh_deny`));
    expect(response.status).toBe(200);
    const { mismatches } = (await response.json()) as { mismatches: { traceId: string; mesh: unknown; meshEntry: unknown }[] };
    const mismatch = mismatches.find((m) => m.traceId === traceId);
    const pricingSpan = spans.find((s) => s.service === 'pricing.shop')!.spanId;
    expect(mismatch?.mesh).toEqual({ decision: 'deny', reason: 'rbac', policy: '', service: 'pricing.shop', evidence: 'span', spanId: pricingSpan });
    expect(mismatch?.meshEntry).toEqual({ service: gatewayService });
  });
});
