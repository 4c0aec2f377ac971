import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestCollector, type TestCollector } from './helpers/collector.ts';
import { readFixture, scenarioBodies, scenarios } from './helpers/fixtures.ts';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
  for (const scenario of Object.keys(scenarios)) {
    for (const body of scenarioBodies('otlp', scenario)) expect((await postJson(collector.url('otlpHttp', '/v1/traces'), body)).status).toBe(200);
  }
  expect((await postJson(collector.url('otlpHttp', '/v1/logs'), readFixture('access_logs/denied_403_authz_at_reviews.otel_als.reviews.json'))).status).toBe(200);
});
afterAll(async () => {
  await collector?.close();
});

interface Point {
  ServiceName: string;
  Layer: string;
  Decision: string;
  Reason: string;
  Policy: string;
  Evidence: string;
  DryRunResult: string;
  DryRunPolicy: string;
  Subject: string;
}

const points = (scenario: string) =>
  collector.query<Point>(
    'SELECT ServiceName, Layer, Decision, Reason, Policy, Evidence, DryRunResult, DryRunPolicy, Subject FROM seam_decision_points WHERE TraceId = {t:String} ORDER BY Timestamp, SpanId',
    { t: scenarios[scenario]!.trace_id },
  );

describe('each Istio fixture scenario yields exactly the expected decisions', () => {
  it('allowed_200: every proxy allowed', async () => {
    expect((await points('allowed_200')).map((p) => [p.ServiceName, p.Layer, p.Decision])).toEqual([
      ['istio-ingressgateway.istio-system', 'gateway', 'allow'],
      ['productpage.default', 'sidecar', 'allow'],
      ['reviews.default', 'sidecar', 'allow'],
    ]);
  });

  it('allowed_200_dryrun_shadow_deny: allowed, with the dry-run deny recorded at reviews', async () => {
    const result = await points('allowed_200_dryrun_shadow_deny');
    expect(result.every((p) => p.Decision === 'allow')).toBe(true);
    expect(result.find((p) => p.ServiceName === 'reviews.default')).toMatchObject({ DryRunResult: 'deny', DryRunPolicy: 'ns[default]-policy[deny-non-eu-tenants]-rule[0]' });
  });

  it('denied_403_authz_at_reviews: mesh deny rbac at the reviews sidecar (twice, Bookinfo retries), not at the gateway or productpage', async () => {
    const result = await points('denied_403_authz_at_reviews');
    expect(result.map((p) => [p.ServiceName, p.Decision, p.Reason, p.Policy, p.Evidence])).toEqual([
      ['istio-ingressgateway.istio-system', 'allow', '', '', 'inferred'],
      ['productpage.default', 'allow', '', '', 'inferred'],
      ['reviews.default', 'deny', 'rbac', 'none', 'access_log'],
      ['reviews.default', 'deny', 'rbac', '', 'span'],
    ]);
  });

  it('denied_403_authz_at_gateway: mesh deny rbac at the gateway', async () => {
    expect((await points('denied_403_authz_at_gateway')).map((p) => [p.Layer, p.Decision, p.Reason])).toEqual([['gateway', 'deny', 'rbac']]);
  });

  it('denied_401_jwt_expired_at_gateway: mesh deny authn (expired token) at the gateway, with no subject', async () => {
    expect(await points('denied_401_jwt_expired_at_gateway')).toMatchObject([{ Layer: 'gateway', Decision: 'deny', Reason: 'authn', Policy: 'Jwt_is_expired', Subject: '' }]);
  });
});

describe('edge and mesh together', () => {
  const edgeRequest = (traceId: string, spanId: string, decision: string, tokenInUrl: string) => ({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'edge-gateway' } }, { key: 'cloud.provider', value: { stringValue: 'cloudflare' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId,
                name: 'GET /api/v1/products/0/reviews',
                kind: 2,
                startTimeUnixNano: '1773483362540000000',
                endTimeUnixNano: '1773483362570000000',
                attributes: [
                  { key: 'enduser.id', value: { stringValue: 'auth0|64f1c2d3e4a5b6c7d8e9f001' } },
                  { key: 'seam.authz.decision', value: { stringValue: decision } },
                  { key: 'seam.auth.kid', value: { stringValue: 'k1' } },
                  { key: 'http.request.header.authorization', value: { stringValue: `Bearer ${tokenInUrl}` } },
                  { key: 'url.full', value: { stringValue: `https://shop.example.com/x?access_token=${tokenInUrl}` } },
                  { key: 'note', value: { stringValue: `forwarded ${tokenInUrl} to origin` } },
                ],
                events: [{ timeUnixNano: '1773483362541000000', name: 'auth', attributes: [{ key: 'cookie', value: { stringValue: 'session=abc123' } }] }],
              },
            ],
          },
        ],
      },
    ],
  });
  const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhdXRoMHw2NGYxIn0.c2lnbmF0dXJlLWJ5dGVz';

  it('an edge allow joined by trace id with the reviews deny is an edge_allow_mesh_deny', async () => {
    const index = scenarios.denied_403_authz_at_reviews!;
    expect((await postJson(collector.url('otlpHttp', '/v1/traces'), edgeRequest(index.trace_id, index['edge_worker_span_id_in_traceparent(otlp_only)'], 'allow', jwt))).status).toBe(200);
    const mismatches = await collector.query<{ Kind: string; MeshDecision: string; MeshReason: string; MeshPolicy: string }>(
      'SELECT Kind, MeshDecision, MeshReason, MeshPolicy FROM seam_mismatches WHERE TraceId = {t:String} ORDER BY Kind',
      { t: index.trace_id },
    );
    expect(mismatches).toEqual([{ Kind: 'edge_allow_mesh_deny', MeshDecision: 'deny', MeshReason: 'rbac', MeshPolicy: 'none' }]);
    const links = await collector.query<{ Method: string; Confidence: number }>('SELECT Method, Confidence FROM seam_links WHERE EdgeTraceId = {t:String}', { t: index.trace_id });
    expect(links).toEqual([{ Method: 'trace_id', Confidence: 1 }]);
  });

  it('stores no token strings: authorization, cookies and JWT-shaped values are redacted everywhere', async () => {
    const dump = await collector.query<{ row: string }>("SELECT toJSONString(tuple(SpanAttributes, ResourceAttributes, Events.Attributes, StatusMessage)) AS row FROM otel_traces WHERE ServiceName = 'edge-gateway'");
    const text = dump.map((r) => r.row).join('\n');
    expect(text).not.toContain('eyJhbGci');
    expect(text).not.toContain('session=abc123');
    expect(text).toContain('[REDACTED]');
    expect(text).toContain('auth0|64f1c2d3e4a5b6c7d8e9f001');
  });

  it('mesh spans first and the edge minutes later give the same correlation as the other order', async () => {
    const index = scenarios.allowed_200!;
    const before = await collector.query<{ Kind: string }>('SELECT Kind FROM seam_mismatches WHERE TraceId = {t:String}', { t: index.trace_id });
    expect(before.map((r) => r.Kind)).toEqual(['mesh_without_edge']);
    expect((await postJson(collector.url('otlpHttp', '/v1/traces'), edgeRequest(index.trace_id, index['edge_worker_span_id_in_traceparent(otlp_only)'], 'allow', 'x'))).status).toBe(200);
    expect(await collector.query('SELECT Kind FROM seam_mismatches WHERE TraceId = {t:String}', { t: index.trace_id })).toEqual([]);
    expect(await collector.query('SELECT Method FROM seam_links WHERE MeshTraceId = {t:String}', { t: index.trace_id })).toEqual([{ Method: 'trace_id' }]);
  });
});
