import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorker, startWorkerd } from '../worker-exporter/test/support/workerd.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';

// The example edge gateway Worker, built and run in workerd, exports its spans to the real Seam
// collector. No Envoy can run here, so a loopback origin stands in for the Istio ingress: it continues
// the B3 trace the Worker sent and reports gateway and sidecar spans to Seam's Zipkin receiver in the
// shape Istio's Envoy sends them (see test/fixtures/istio/zipkin).
const issuer = 'https://idp.test/';
const audience = 'https://api.test';
let collector: TestCollector;
let worker: Miniflare;
let sign: (claims: Record<string, unknown>, expiresAt: number) => Promise<string>;
let mesh: { url: string; seen: IncomingHttpHeaders[]; close(): Promise<void> };
let jwks: { url: string; close(): Promise<void> };

async function listen(handle: (url: string, headers: IncomingHttpHeaders) => { status: number; body: string }) {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(req.headers);
      const { status, body } = handle(req.url ?? '/', req.headers);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What Istio's gateway and the productpage sidecar would report for the request the Worker forwarded. */
async function reportMeshSpans(path: string, headers: IncomingHttpHeaders, status: number, size: number): Promise<void> {
  const header = (name: string) => String(headers[name] ?? '');
  const traceId = header('x-b3-traceid');
  const now = Date.now() * 1000;
  const subject = (decodeJwt(header('x-seam-identity')).sub as string | undefined) ?? '';
  const common = { component: 'proxy', 'http.method': 'GET', 'http.status_code': String(status), response_size: String(size), response_flags: '-', 'guid:x-request-id': header('x-request-id') };
  // Span ids derived from the Worker's, so each forwarded request gets its own.
  const gatewayId = `${header('x-b3-spanid').slice(0, 8)}a0000001`;
  const spans = [
    {
      traceId, id: gatewayId, parentId: header('x-b3-spanid'), kind: 'SERVER', name: `productpage.default.svc.cluster.local:9080${path}`, timestamp: now, duration: 4000,
      localEndpoint: { ipv4: '10.244.0.7', port: 0, serviceName: 'istio-ingressgateway.istio-system' },
      tags: { ...common, node_id: 'router~10.244.0.7~istio-ingressgateway-6b7f9d8c5-zx4kq.istio-system~istio-system.svc.cluster.local', 'cf.ray': header('cf-ray'), 'enduser.id': subject },
    },
    {
      traceId, id: `${gatewayId.slice(0, 8)}b0000002`, parentId: gatewayId, kind: 'CLIENT', name: 'router outbound|9080||productpage.default.svc.cluster.local; egress', timestamp: now + 100, duration: 3500,
      localEndpoint: { ipv4: '10.244.0.7', port: 0, serviceName: 'istio-ingressgateway.istio-system' }, tags: common,
    },
    {
      traceId, id: `${gatewayId.slice(0, 8)}c0000003`, parentId: `${gatewayId.slice(0, 8)}b0000002`, kind: 'SERVER', name: `productpage.default.svc.cluster.local:9080${path}`, timestamp: now + 200, duration: 3000,
      localEndpoint: { ipv4: '10.244.1.12', port: 0, serviceName: 'productpage.default' },
      tags: { ...common, node_id: 'sidecar~10.244.1.12~productpage-v1-7d9c8b6f5-k2m4p.default~default.svc.cluster.local', 'enduser.id': subject },
    },
  ];
  const response = await fetch(collector.url('zipkin', '/api/v2/spans'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spans) });
  expect(response.status).toBe(202);
}

beforeAll(async () => {
  collector = await startTestCollector();
  const keys = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
  sign = (claims, expiresAt) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'idp-1' }).setIssuer(issuer).setAudience(audience).setIssuedAt(expiresAt - 600).setExpirationTime(expiresAt).sign(keys.privateKey);
  jwks = await listen(() => ({ status: 200, body: JSON.stringify({ keys: [jwk] }) }));
  // The mesh answers /forbidden with its RBAC local reply from the sidecar, everything else with 200.
  mesh = await listen((url, headers) => {
    const denied = url.includes('/forbidden');
    const status = denied ? 403 : 200;
    const body = denied ? 'RBAC: access denied' : '{"products":[]}';
    void reportMeshSpans(url, headers, status, body.length);
    return { status, body };
  });
  worker = startWorkerd({
    script: await bundleWorker('worker-exporter/example/src/index.ts'),
    nodejsCompat: true,
    kvNamespaces: ['JWKS_CACHE', 'SIGNING_KEYS'],
    bindings: {
      SEAM_OTLP_URL: collector.url('otlpHttp', '/v1/traces'),
      JWKS_URL: `${jwks.url}/.well-known/jwks.json`,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      ORIGIN_URL: mesh.url,
      CLAIM_MAPPING: JSON.stringify({ schema: 'seam.claim-mapping/v1', rules: [{ id: 'everyone', claim: 'sub', values: ['*'], groups: ['authenticated'] }] }),
      ROUTE_POLICY: JSON.stringify({ schema: 'seam.route-policy/v1', name: 'edge-routes', default: 'deny', rules: [{ id: 'products', methods: ['GET'], pathPrefix: '/api/v1/products', groups: ['authenticated'] }] }),
      ASSERTION_ISSUER: 'https://edge.test',
      ASSERTION_AUDIENCE: 'mesh.test',
    },
  });
  await worker.ready;
}, 120_000);
afterAll(async () => {
  await worker?.dispose();
  await Promise.all([mesh?.close(), jwks?.close()]);
  await collector?.close();
});

/** Polls until `query` returns `count` rows: the Worker exports after its response, through waitUntil. */
async function eventually<T>(query: string, params: Record<string, unknown>, count: number): Promise<T[]> {
  for (let attempt = 0; ; attempt++) {
    const rows = await collector.query<T>(query, params);
    if (rows.length >= count || attempt >= 100) return rows;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function call(path: string, token: string): Promise<{ status: number; ray: string }> {
  const ray = `${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}-FRA`;
  const response = await worker.dispatchFetch(`https://edge.test${path}`, { headers: { authorization: `Bearer ${token}`, 'cf-ray': ray } });
  await response.text();
  return { status: response.status, ray: ray.slice(0, 16) };
}

const edgeTrace = async (ray: string) =>
  (await eventually<{ TraceId: string }>("SELECT TraceId FROM otel_traces WHERE RayId = {ray:String} AND Layer = 'edge'", { ray }, 1))[0]?.TraceId ?? '';

describe('Worker at the edge, mesh behind it, one correlated story in Seam', () => {
  it('an allowed request: edge and mesh decisions in one trace, linked by trace id, no mismatch', async () => {
    const { status, ray } = await call('/api/v1/products/1', await sign({ sub: 'auth0|alice' }, Math.floor(Date.now() / 1000) + 600));
    expect(status).toBe(200);
    const traceId = await edgeTrace(ray);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const points = await eventually<{ Layer: string; Decision: string; Reason: string; Subject: string; Groups: string[]; KeyId: string; Evidence: string }>(
      'SELECT Layer, Decision, Reason, Subject, Groups, KeyId, Evidence FROM seam_decision_points WHERE TraceId = {t:String} ORDER BY Timestamp',
      { t: traceId },
      3,
    );
    expect(points).toEqual([
      { Layer: 'edge', Decision: 'allow', Reason: 'route_policy', Subject: 'auth0|alice', Groups: ['authenticated'], KeyId: 'idp-1', Evidence: 'explicit' },
      { Layer: 'gateway', Decision: 'allow', Reason: '', Subject: 'auth0|alice', Groups: [], KeyId: '', Evidence: 'inferred' },
      { Layer: 'sidecar', Decision: 'allow', Reason: '', Subject: 'auth0|alice', Groups: [], KeyId: '', Evidence: 'inferred' },
    ]);
    expect(await collector.query('SELECT Method FROM seam_links WHERE EdgeTraceId = {t:String}', { t: traceId })).toEqual([{ Method: 'trace_id' }]);
    expect(await collector.query('SELECT Kind FROM seam_mismatches WHERE TraceId = {t:String}', { t: traceId })).toEqual([]);
  });

  it('the mesh denies what the edge allowed: an edge_allow_mesh_deny with the sidecar as the denier', async () => {
    const { status, ray } = await call('/api/v1/products/forbidden', await sign({ sub: 'auth0|bob' }, Math.floor(Date.now() / 1000) + 600));
    expect(status).toBe(403);
    const traceId = await edgeTrace(ray);
    const mismatches = await eventually<{ Kind: string; Subject: string; MeshDecision: string; MeshReason: string }>(
      'SELECT Kind, Subject, MeshDecision, MeshReason FROM seam_mismatches WHERE TraceId = {t:String}',
      { t: traceId },
      1,
    );
    expect(mismatches).toEqual([{ Kind: 'edge_allow_mesh_deny', Subject: 'auth0|bob', MeshDecision: 'deny', MeshReason: 'rbac' }]);
    const denier = await collector.query('SELECT Layer, ServiceName FROM seam_decision_points WHERE TraceId = {t:String} AND Decision = {d:String}', { t: traceId, d: 'deny' });
    expect(denier).toEqual([{ Layer: 'sidecar', ServiceName: 'productpage.default' }]);
  });

  it('an expired token is denied at the edge and never reaches the mesh', async () => {
    const forwardedBefore = mesh.seen.length;
    const { status, ray } = await call('/api/v1/products/2', await sign({ sub: 'auth0|carol' }, Math.floor(Date.now() / 1000) - 600));
    expect(status).toBe(401);
    const traceId = await edgeTrace(ray);
    const points = await eventually<{ Decision: string; Reason: string }>('SELECT Decision, Reason FROM seam_decision_points WHERE TraceId = {t:String}', { t: traceId }, 1);
    expect(points).toEqual([{ Decision: 'deny', Reason: 'jwt_expired' }]);
    expect(mesh.seen.length).toBe(forwardedBefore);
    const stored = await collector.query<{ row: string }>('SELECT toJSONString(SpanAttributes) AS row FROM otel_traces WHERE TraceId = {t:String}', { t: traceId });
    expect(stored.map((r) => r.row).join()).not.toContain('eyJ');
  });
});
