import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeReader } from '../collector/src/cli/reader.ts';
import { postJson, startTestCollector, type TestCollector } from './helpers/collector.ts';
import { otlpJsonToProtobuf, readFixture, scenarioBodies, scenarios } from './helpers/fixtures.ts';

// The Istio fixtures (as the proxies send them) plus edge spans following DESIGN.md "Edge span
// conventions", through the real receivers, read back through the real API listener.
let collector: TestCollector;
const denied = scenarios.denied_403_authz_at_reviews!;
const allowed = scenarios.allowed_200!;
const bypass = scenarios.denied_403_authz_at_gateway!;
const subject = denied.enduser_id;
const window = 'from=2026-03-12T00:00:00Z&to=2026-03-15T00:00:00Z';
const edgeOnlyTrace = 'aa000000000000000000000000000001';
const rayEdgeTrace = 'bb000000000000000000000000000002';

type Attr = { key: string; value: Record<string, unknown> };
const s = (key: string, value: string): Attr => ({ key, value: { stringValue: value } });

interface EdgeRequest {
  traceId: string;
  spanId: string;
  startNs: bigint;
  decision: 'allow' | 'deny';
  reason: string;
  policy: string;
  kid: string;
  rayId: string;
  requestId: string;
  service?: string;
}

/** An edge SERVER span and its CLIENT subrequest into the mesh, as OTLP/JSON. */
function edgeSpans(r: EdgeRequest): { resourceSpans: unknown[] } {
  const identity = [s('enduser.id', subject), s('seam.auth.issuer', 'https://auth.example.com/'), s('seam.auth.kid', r.kid)];
  return {
    resourceSpans: [
      {
        resource: { attributes: [s('service.name', r.service ?? 'shop-edge'), s('cloud.provider', 'cloudflare'), s('cloud.platform', 'cloudflare.workers')] },
        scopeSpans: [
          {
            scope: { name: 'seam-worker-exporter' },
            spans: [
              {
                traceId: r.traceId,
                spanId: r.spanId,
                name: 'GET /api/v1/products',
                kind: 2,
                startTimeUnixNano: r.startNs.toString(),
                endTimeUnixNano: (r.startNs + 30_000_000n).toString(),
                attributes: [
                  ...identity,
                  { key: 'seam.auth.groups', value: { arrayValue: { values: [{ stringValue: 'eng' }, { stringValue: 'admin' }] } } },
                  s('seam.authz.decision', r.decision),
                  s('seam.authz.reason', r.reason),
                  s('seam.authz.policy', r.policy),
                  s('cloudflare.ray_id', r.rayId),
                ],
              },
              {
                traceId: r.traceId,
                spanId: `${r.spanId.slice(0, 14)}ff`,
                parentSpanId: r.spanId,
                name: 'fetch productpage',
                kind: 3,
                startTimeUnixNano: (r.startNs + 1_000_000n).toString(),
                endTimeUnixNano: (r.startNs + 29_000_000n).toString(),
                attributes: [s('enduser.id', subject), s('seam.request_id', r.requestId)],
              },
            ],
          },
        ],
      },
    ],
  };
}

async function post(path: string, body: unknown): Promise<void> {
  const response = await postJson(collector.url('otlpHttp', path), body);
  expect(response.status, await response.clone().text()).toBe(200);
}

async function postProtobuf(json: string): Promise<void> {
  const response = await fetch(collector.url('otlpHttp', '/v1/traces'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: otlpJsonToProtobuf(json, 'traces'),
  });
  expect(response.status).toBe(200);
}

async function postZipkin(body: string): Promise<void> {
  const response = await postJson(collector.url('zipkin', '/api/v2/spans'), body);
  expect(response.status).toBeLessThan(300);
}

// Every API answer the tests see, checked against the OpenAPI document at the end.
const seen: { path: string; status: number; body: unknown }[] = [];

async function api<T = any>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(collector.url('api', path));
  const body = (await response.json()) as T;
  seen.push({ path, status: response.status, body });
  return { status: response.status, body };
}

beforeAll(async () => {
  collector = await startTestCollector();
  // Edge and mesh share a trace id (the Worker propagated traceparent); reviews denies.
  for (const body of scenarioBodies('otlp', 'denied_403_authz_at_reviews')) await postProtobuf(body);
  await post('/v1/logs', JSON.parse(readFixture('access_logs/denied_403_authz_at_reviews.otel_als.reviews.json')));
  await post(
    '/v1/traces',
    edgeSpans({
      traceId: denied.trace_id,
      spanId: denied['edge_worker_span_id_in_traceparent(otlp_only)'],
      startNs: 1_773_483_362_540_000_000n,
      decision: 'allow',
      reason: 'route_policy',
      policy: 'products-read',
      kid: 'kid-new',
      rayId: denied.cf_ray,
      requestId: denied.x_request_id,
    }),
  );
  // The mesh got no trace context (Zipkin, no B3): joined by the ray id; the key is 34 h old by then.
  for (const body of scenarioBodies('zipkin', 'allowed_200')) await postZipkin(body);
  await post(
    '/v1/traces',
    edgeSpans({ traceId: rayEdgeTrace, spanId: 'bb00000000000001', startNs: 1_773_483_330_100_000_000n, decision: 'allow', reason: 'route_policy', policy: 'products-read', kid: 'kid-old', rayId: allowed.cf_ray, requestId: 'edge-only-request-1' }),
  );
  await post(
    '/v1/traces',
    edgeSpans({ traceId: edgeOnlyTrace, spanId: 'aa00000000000001', startNs: 1_773_360_000_000_000_000n, decision: 'deny', reason: 'jwt_expired', policy: '', kid: 'kid-old', rayId: '0123456789abcdef-LHR', requestId: 'edge-only-request-2' }),
  );
  // Straight into the mesh with no edge request at all.
  for (const body of scenarioBodies('otlp', 'denied_403_authz_at_gateway')) await postProtobuf(body);
});

afterAll(async () => {
  await collector?.close();
});

const edgeDecision = {
  timestamp: '2026-03-14T10:16:02.540000000Z',
  traceId: denied.trace_id,
  spanId: '7f20b6c4e8a1d359',
  layer: 'edge',
  service: 'shop-edge',
  subject,
  groups: ['admin', 'eng'],
  decision: 'allow',
  reason: 'route_policy',
  policy: 'products-read',
  evidence: 'explicit',
  keyId: 'kid-new',
  dryRun: null,
};
const reviewsDenial = {
  timestamp: '2026-03-14T10:16:02.555700000Z',
  traceId: denied.trace_id,
  spanId: '80c26ead5f3b74b9',
  layer: 'sidecar',
  service: 'reviews.default',
  subject,
  groups: [],
  decision: 'deny',
  reason: 'rbac',
  policy: 'none',
  evidence: 'access_log',
  keyId: '',
  dryRun: null,
};
const retriedDenial = { ...reviewsDenial, timestamp: '2026-03-14T10:16:02.558325000Z', spanId: 'a2e48acf7b5d96db', policy: '', evidence: 'span' };

describe('GET /api/v1/traces/{traceId}', () => {
  it('tells the joined story: edge allowed, reviews denied by RBAC (policy from the access log), the mismatch', async () => {
    const { status, body } = await api(`/api/v1/traces/${denied.trace_id.toUpperCase()}`);
    expect(status).toBe(200);
    expect(body.traceId).toBe(denied.trace_id);
    expect(body.summary).toBe(`edge allowed ${subject} (groups admin,eng); mesh denied at reviews.default: rbac none; mismatch edge_allow_mesh_deny`);
    expect(body.decisions[0]).toEqual(edgeDecision);
    expect(body.decisions.filter((d: any) => d.decision === 'deny')).toEqual([reviewsDenial, retriedDenial]);
    expect(body.decisions.map((d: any) => d.layer)).toEqual(['edge', 'gateway', 'sidecar', 'sidecar', 'sidecar']);
    expect(body.links).toEqual([
      { timestamp: '2026-03-14T10:16:02.540000000Z', edgeTraceId: denied.trace_id, meshTraceId: denied.trace_id, method: 'trace_id', confidence: 1, edgeService: 'shop-edge', meshService: 'istio-ingressgateway.istio-system', subject },
    ]);
    expect(body.mismatches).toHaveLength(1);
    expect(body.mismatches[0]).toMatchObject({
      kind: 'edge_allow_mesh_deny',
      traceId: denied.trace_id,
      meshTraceId: denied.trace_id,
      subject,
      edge: { decision: 'allow', reason: 'route_policy', service: 'shop-edge' },
      mesh: { decision: 'deny', reason: 'rbac', policy: 'none' },
    });
    // The tree: edge server → (edge client, gateway server → router → productpage → … → reviews).
    const tree = body.spans.map((span: any) => [span.layer, span.spanId, span.depth]);
    expect(tree.slice(0, 4)).toEqual([
      ['edge', '7f20b6c4e8a1d359', 0],
      ['edge', '7f20b6c4e8a1d3ff', 1],
      ['gateway', '4c8e2a6f1b9d3075', 1],
      ['gateway', '5d9f3b7a2c0e4186', 2],
    ]);
    expect(body.spans).toHaveLength(9);
    expect(body.spans[2]).toMatchObject({ parentSpanId: '7f20b6c4e8a1d359', kind: 'server', service: 'istio-ingressgateway.istio-system', start: '2026-03-14T10:16:02.551930000Z', durationNs: 12_480_000, httpStatus: 403 });
    expect(body.spans[0].attributes['seam.authz.decision']).toBe('allow');
    expect(body.layers).toEqual([
      { layer: 'edge', spanIds: ['7f20b6c4e8a1d359', '7f20b6c4e8a1d3ff'] },
      { layer: 'gateway', spanIds: ['4c8e2a6f1b9d3075', '5d9f3b7a2c0e4186'] },
      { layer: 'sidecar', spanIds: ['6ea04c8b3d1f5297', '7fb15d9c4e2a63a8', '80c26ead5f3b74b9', '91d37fbe6a4c85ca', 'a2e48acf7b5d96db'] },
    ]);
  });

  it('folds in the mesh trace linked by the ray id, with the broken propagation and the stale key', async () => {
    const { status, body } = await api(`/api/v1/traces/${rayEdgeTrace}`);
    expect(status).toBe(200);
    expect(body.summary).toBe(`edge allowed ${subject} (groups admin,eng); mesh allowed at 3 decision points; linked by cf_ray (confidence 0.99); mismatch broken_propagation, stale_key`);
    expect(body.links).toEqual([expect.objectContaining({ edgeTraceId: rayEdgeTrace, meshTraceId: allowed.trace_id, method: 'cf_ray', confidence: 0.99 })]);
    expect([...new Set(body.spans.map((span: any) => span.traceId))]).toEqual([rayEdgeTrace, allowed.trace_id]);
    expect(body.spans.filter((span: any) => span.traceId === allowed.trace_id).map((span: any) => span.spanId)).toEqual(allowed.spans.map((span) => span.span_id));
    expect(body.mismatches.map((m: any) => m.kind).sort()).toEqual(['broken_propagation', 'stale_key']);
  });

  it('answers 404 with the error shape for a trace it never stored', async () => {
    const { status, body } = await api('/api/v1/traces/00000000000000000000000000000bad');
    expect(status).toBe(404);
    expect(body.error.code).toBe('not_found');
    expect(body.error.message).toContain('00000000000000000000000000000bad');
  });
});

describe('list routes', () => {
  it('searches traces by subject, decision, mismatch kind and ray id, newest first', async () => {
    const all = await api(`/api/v1/traces?${window}`);
    expect(all.body.traces.map((t: any) => t.traceId)).toEqual([bypass.trace_id, denied.trace_id, allowed.trace_id, rayEdgeTrace, edgeOnlyTrace]);
    expect(all.body.nextCursor).toBeNull();
    const deniedTrace = all.body.traces[1];
    expect(deniedTrace).toEqual({
      traceId: denied.trace_id,
      start: '2026-03-14T10:16:02.540000000Z',
      durationNs: deniedTrace.durationNs,
      spanCount: 9,
      errorCount: deniedTrace.errorCount,
      layers: ['edge', 'gateway', 'sidecar'],
      services: ['istio-ingressgateway.istio-system', 'productpage.default', 'reviews.default', 'shop-edge'],
      subjects: [subject],
      edge: { service: 'shop-edge', subject, decision: 'allow', reason: 'route_policy' },
      meshService: 'istio-ingressgateway.istio-system',
      meshDenied: true,
    });
    const ids = async (query: string) => (await api(`/api/v1/traces?${window}&${query}`)).body.traces.map((t: any) => t.traceId);
    expect(await ids('decision=deny')).toEqual([bypass.trace_id, denied.trace_id, edgeOnlyTrace]);
    expect(await ids('mismatch=mesh_without_edge')).toEqual([bypass.trace_id]);
    expect(await ids(`rayId=${allowed.cf_ray}`)).toEqual([allowed.trace_id, rayEdgeTrace]);
    expect(await ids('service=reviews.default&decision=allow')).toEqual([allowed.trace_id]);
    expect(await ids('subject=nobody')).toEqual([]);
  });

  it('lists decisions with filters', async () => {
    const { body } = await api(`/api/v1/decisions?${window}&layer=sidecar&decision=deny`);
    expect(body).toEqual({ decisions: [retriedDenial, reviewsDenial], nextCursor: null });
    const edge = await api(`/api/v1/decisions?${window}&layer=edge`);
    expect(edge.body.decisions.map((d: any) => [d.traceId, d.decision, d.reason, d.keyId])).toEqual([
      [denied.trace_id, 'allow', 'route_policy', 'kid-new'],
      [rayEdgeTrace, 'allow', 'route_policy', 'kid-old'],
      [edgeOnlyTrace, 'deny', 'jwt_expired', 'kid-old'],
    ]);
    const expired = await api(`/api/v1/decisions?${window}&reason=jwt_expired&service=shop-edge&subject=${encodeURIComponent(subject)}`);
    expect(expired.body.decisions.map((d: any) => d.traceId)).toEqual([edgeOnlyTrace]);
  });

  it('counts decisions by the dimensions and buckets asked for, agreeing with the decisions listed', async () => {
    const listed: any[] = (await api(`/api/v1/decisions?${window}&limit=1000`)).body.decisions;
    const tally = (keys: string[]) => keys.reduce<Record<string, number>>((out, key) => ({ ...out, [key]: (out[key] ?? 0) + 1 }), {});
    const byLayer = await api(`/api/v1/decisions/counts?${window}&by=layer,decision`);
    expect(byLayer.body.truncated).toBe(false);
    expect(Object.fromEntries(byLayer.body.counts.map((c: any) => [`${c.layer}|${c.decision}`, c.points]))).toEqual(tally(listed.map((d) => `${d.layer}|${d.decision}`)));
    // Only the dimensions asked for, and the window as one bucket starting at its first minute.
    expect(Object.keys(byLayer.body.counts[0]).sort()).toEqual(['decision', 'layer', 'points', 'timestamp']);
    expect(new Set(byLayer.body.counts.map((c: any) => c.timestamp))).toEqual(new Set(['2026-03-12T00:00:00.000Z']));

    // A point counts once under each group it holds, and once as '' when it holds none.
    const byGroup = await api(`/api/v1/decisions/counts?${window}&by=group&layer=edge`);
    const edgeGroups = listed.filter((d) => d.layer === 'edge').flatMap((d) => (d.groups.length ? d.groups : ['']));
    expect(Object.fromEntries(byGroup.body.counts.map((c: any) => [c.group, c.points]))).toEqual(tally(edgeGroups));

    const hourly = await api(`/api/v1/decisions/counts?${window}&by=decision&step=3600&decision=deny`);
    const denies = listed.filter((d) => d.decision === 'deny');
    expect(tally(hourly.body.counts.flatMap((c: any) => Array(c.points).fill(c.timestamp)))).toEqual(tally(denies.map((d) => `${d.timestamp.slice(0, 13)}:00:00.000Z`)));
  });

  it('lists mismatches with both sides, filtered by kind', async () => {
    const { body } = await api(`/api/v1/mismatches?${window}`);
    expect(body.mismatches.map((m: any) => [m.kind, m.traceId])).toEqual([
      ['mesh_without_edge', bypass.trace_id],
      ['edge_allow_mesh_deny', denied.trace_id],
      ['stale_key', rayEdgeTrace],
      ['broken_propagation', rayEdgeTrace],
    ]);
    expect(body.mismatches[0]).toMatchObject({ edge: null, mesh: { decision: 'deny', reason: 'rbac' } });
    expect(body.mismatches[2]).toMatchObject({ keyId: 'kid-old', mesh: null });
    const stale = await api(`/api/v1/mismatches?${window}&kind=stale_key`);
    expect(stale.body.mismatches.map((m: any) => m.traceId)).toEqual([rayEdgeTrace]);
  });

  it('shows one identity’s decisions in time order', async () => {
    const { body } = await api(`/api/v1/identities/${encodeURIComponent(subject)}/timeline?${window}`);
    expect(body.subject).toBe(subject);
    const times = body.decisions.map((d: any) => d.timestamp);
    expect(times).toEqual([...times].sort());
    expect(body.decisions[0]).toMatchObject({ traceId: edgeOnlyTrace, layer: 'edge', decision: 'deny', reason: 'jwt_expired' });
    expect(body.decisions.filter((d: any) => d.layer === 'edge')).toHaveLength(3);
    expect(body.decisions).toContainEqual(reviewsDenial);
  });

  it('reports signing keys and their use past the rotation window', async () => {
    const { body } = await api(`/api/v1/keys?${window}`);
    expect(body).toEqual({
      keys: [
        { keyId: 'kid-new', issuer: 'https://auth.example.com/', firstSeen: '2026-03-14T10:16:02.540000000Z', lastSeen: '2026-03-14T10:16:02.540000000Z', ageSeconds: 0, requests: 1, requestsPastRotation: 0, pastRotation: false },
        { keyId: 'kid-old', issuer: 'https://auth.example.com/', firstSeen: '2026-03-13T00:00:00.000000000Z', lastSeen: '2026-03-14T10:15:30.100000000Z', ageSeconds: 123_330, requests: 2, requestsPastRotation: 1, pastRotation: true },
      ],
      nextCursor: null,
    });
  });

  it('lists fallback links by default and trace-id links on request', async () => {
    const fallback = await api(`/api/v1/links?${window}`);
    expect(fallback.body.links).toEqual([
      { timestamp: '2026-03-14T10:15:30.100000000Z', edgeTraceId: rayEdgeTrace, meshTraceId: allowed.trace_id, method: 'cf_ray', confidence: 0.99, edgeService: 'shop-edge', meshService: 'istio-ingressgateway.istio-system', subject },
    ]);
    const shared = await api(`/api/v1/links?${window}&method=trace_id`);
    expect(shared.body.links.map((l: any) => l.edgeTraceId)).toEqual([denied.trace_id]);
    const epochMs = await api(`/api/v1/links?from=${Date.parse('2026-03-14T10:15:30.100Z')}&to=${Date.parse('2026-03-14T10:15:30.100Z')}`);
    expect(epochMs.body.links).toHaveLength(1);
  });
});

describe('input validation', () => {
  const bad: [string, string][] = [
    ['/api/v1/traces/not-a-trace-id', 'params/traceId'],
    ['/api/v1/traces/e7a2c91f03b84d5eb6a1f0c2d93e7b5', 'params/traceId'],
    ['/api/v1/decisions?from=yesterday', 'querystring/from'],
    ['/api/v1/decisions?from=2026-02-30T00:00:00Z', 'from=2026-02-30'],
    ['/api/v1/decisions?layer=cdn', 'querystring/layer'],
    ['/api/v1/decisions?decision=maybe', 'querystring/decision'],
    ['/api/v1/mismatches?kind=everything', 'querystring/kind'],
    ['/api/v1/links?method=dns', 'querystring/method'],
    ['/api/v1/traces?from=2026-03-15T00:00:00Z&to=2026-03-14T00:00:00Z', 'after to'],
    ['/api/v1/decisions?limit=1001', 'querystring/limit'],
    ['/api/v1/decisions?limit=0', 'querystring/limit'],
    ['/api/v1/keys?limt=5', 'additional properties'],
    ['/api/v1/decisions?cursor=bm90LWEtY3Vyc29y', 'cursor is not one this API issued'],
    ['/api/v1/decisions/counts?by=layer,colour', 'querystring/by'],
    ['/api/v1/decisions/counts?step=90', 'whole number of minutes'],
  ];
  it.each(bad)('%s → 400', async (path, mention) => {
    const { status, body } = await api(path);
    expect(status).toBe(400);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
    expect(body.error.message).toContain(mention);
  });

  it('binds every parameter: injection attempts are refused or find nothing, and harm nothing', async () => {
    const attacks = ["x'); DROP TABLE otel_traces; --", "\\' UNION SELECT * FROM system.tables WHERE '{fromNs:Int64}'"];
    const cursorWith = (key: string) => Buffer.from(JSON.stringify(['1773483362540000000', key, key])).toString('base64url');
    for (const attack of attacks) {
      const q = encodeURIComponent(attack);
      const requests: [string, 'empty' | 400][] = [
        [`/api/v1/traces/${q}`, 400],
        [`/api/v1/identities/${q}/timeline?${window}`, 'empty'],
        [`/api/v1/traces?${window}&subject=${q}`, 'empty'],
        [`/api/v1/traces?${window}&service=${q}`, 'empty'],
        [`/api/v1/traces?${window}&rayId=${q}`, 400],
        [`/api/v1/traces?${window}&requestId=${q}`, 400],
        [`/api/v1/traces?${window}&decision=${q}`, 400],
        [`/api/v1/traces?${window}&mismatch=${q}`, 400],
        [`/api/v1/decisions?${window}&subject=${q}`, 'empty'],
        [`/api/v1/decisions?${window}&service=${q}`, 'empty'],
        [`/api/v1/decisions?${window}&reason=${q}`, 400],
        [`/api/v1/decisions?${window}&layer=${q}`, 400],
        [`/api/v1/decisions?from=${q}`, 400],
        [`/api/v1/decisions?to=${q}`, 400],
        [`/api/v1/decisions?limit=${q}`, 400],
        [`/api/v1/decisions?cursor=${q}`, 400],
        [`/api/v1/mismatches?${window}&kind=${q}`, 400],
        [`/api/v1/links?${window}&method=${q}`, 400],
        [`/api/v1/keys?from=${q}`, 400],
      ];
      for (const [path, expected] of requests) {
        const { status, body } = await api(path);
        if (expected === 400) expect([path, status]).toEqual([path, 400]);
        else {
          expect([path, status]).toEqual([path, 200]);
          expect(body.decisions ?? body.traces).toEqual([]);
        }
      }
      // A forged cursor decodes, and its strings still reach ClickHouse only as parameters.
      for (const list of attack === attacks[0] ? ['decisions', 'mismatches', 'links', 'keys', 'traces'] : ['decisions', 'keys']) {
        const { status } = await api(`/api/v1/${list}?${window}&cursor=${cursorWith(attack)}`);
        expect([list, status]).toEqual([list, 200]);
      }
    }
    const tables = await collector.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ('otel_traces', 'seam_decisions', 'seam_keys')`);
    expect(tables.map((t) => t.name).sort()).toEqual(['otel_traces', 'seam_decisions', 'seam_keys']);
    expect((await api(`/api/v1/traces/${denied.trace_id}`)).body.spans).toHaveLength(9);
  });
});

describe('pagination', () => {
  it('returns every row exactly once across pages while inserts continue', async () => {
    const base = 1_773_964_800_000_000_000n; // 2026-03-20T00:00:00Z
    const request = (i: number, offsetNs: bigint): EdgeRequest => ({
      traceId: `cc${i.toString(16).padStart(30, '0')}`,
      spanId: `cc${i.toString(16).padStart(14, '0')}`,
      startNs: base + offsetNs,
      decision: i % 3 === 0 ? 'deny' : 'allow',
      reason: 'route_policy',
      policy: 'pages',
      kid: 'kid-page',
      rayId: `${i.toString(16).padStart(16, 'c')}-AMS`,
      requestId: `page-${i}`,
      service: 'page-edge',
    });
    const batch = (requests: EdgeRequest[]) => ({ resourceSpans: requests.flatMap((r) => edgeSpans(r).resourceSpans) });
    const original = Array.from({ length: 30 }, (_, i) => request(i + 1, BigInt(i) * 1_000_000_000n));
    // Two share a timestamp, so the tie-breakers are exercised too.
    original[29]!.startNs = original[28]!.startNs;
    await post('/v1/traces', batch(original));
    const query = 'from=2026-03-20T00:00:00Z&to=2026-03-21T00:00:00Z&service=page-edge&limit=7';
    const seenIds: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let added = 100;
    do {
      const { status, body }: { status: number; body: any } = await api(`/api/v1/decisions?${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(status).toBe(200);
      seenIds.push(...body.decisions.map((d: any) => d.spanId));
      cursor = body.nextCursor;
      pages++;
      // New rows land before, between and after the rows already paged through.
      await post('/v1/traces', batch([request(added++, 500_000_000n), request(added++, 15_500_000_000n), request(added++, 40_000_000_000n)]));
    } while (cursor && pages < 20);
    expect(new Set(seenIds).size).toBe(seenIds.length);
    expect(seenIds.filter((id) => original.some((r) => r.spanId === id)).sort()).toEqual(original.map((r) => r.spanId).sort());
    expect(pages).toBeGreaterThanOrEqual(5);
  });
});

describe('seam CLI', () => {
  const seam = async (...args: string[]) =>
    (await promisify(execFile)(process.execPath, ['--conditions=@seam/source', '--import', 'tsx', 'collector/src/cli/main.ts', ...args, '--url', collector.url('api', '')])).stdout;
  const range = ['--from', '2026-03-12T00:00:00Z', '--to', '2026-03-15T00:00:00Z'];

  it('investigate finds a trace by ray id and prints the story with lanes, decisions and mismatches', async () => {
    const out = await seam('investigate', allowed.cf_ray, ...range);
    const lines = out.split('\n');
    // The mesh trace started last, so it is the newest match; its story still opens with the edge.
    expect(lines[0]).toBe(`trace ${allowed.trace_id}`);
    expect(lines[1]).toContain('linked by cf_ray (confidence 0.99)');
    expect(lines[3]).toBe(`linked trace ${rayEdgeTrace} (cf_ray, confidence 0.99)`);
    expect(lines.find((line) => line.startsWith('edge ') && line.includes('GET /api/v1/products'))).toMatch(/^edge\s+\+\s+0 ms GET \/api\/v1\/products \[shop-edge server 30\.0 ms\] ✔ allow route_policy \(explicit\)$/);
    expect(out).toContain('! broken_propagation: edge allow route_policy / mesh allow');
    expect(out).toContain('! stale_key');
    expect(out).not.toContain('\u001b['); // no colours when stdout is not a terminal
    expect(out).toContain(`also matching (newest first): ${rayEdgeTrace}`);
  });

  it('investigate --json prints the API document, and the direct store reader returns the same', async () => {
    const printed = JSON.parse(await seam('investigate', denied.trace_id, '--json'));
    const { body } = await api(`/api/v1/traces/${denied.trace_id}`);
    expect(printed).toEqual(body);
    const direct = await storeReader(collector.store, collector.config).get('/keys', { from: '2026-03-12T00:00:00Z', to: '2026-03-15T00:00:00Z' });
    expect(direct).toEqual((await api(`/api/v1/keys?${window}`)).body);
  });

  it('decisions, mismatches and keys print tables', async () => {
    const decisionsOut = (await seam('decisions', ...range, '--layer', 'sidecar', '--decision', 'deny')).trimEnd().split('\n');
    expect(decisionsOut[0]).toMatch(/^TIME\s+LAYER\s+SERVICE\s+SUBJECT\s+DECISION\s+REASON\s+POLICY\s+EVIDENCE\s+TRACE$/);
    expect(decisionsOut.slice(1).map((line) => line.split(/\s+/))).toEqual([
      ['2026-03-14T10:16:02.558325000Z', 'sidecar', 'reviews.default', subject, 'deny', 'rbac', 'span', denied.trace_id],
      ['2026-03-14T10:16:02.555700000Z', 'sidecar', 'reviews.default', subject, 'deny', 'rbac', 'none', 'access_log', denied.trace_id],
    ]);
    expect(await seam('mismatches', ...range, '--kind', 'mesh_without_edge')).toContain(`mesh_without_edge  ${subject}  -     deny rbac  ${bypass.trace_id}`);
    const keysOut = await seam('keys', ...range);
    expect(keysOut).toMatch(/kid-old\s+https:\/\/auth\.example\.com\/\s+2026-03-13T00:00:00\.000000000Z\s+2026-03-14T10:15:30\.100000000Z\s+34\.3 h\s+2\s+1/);
  });
});

describe('OpenAPI document', () => {
  it('describes every route, and every answer the tests saw matches its documented schema', async () => {
    const { status, body: document } = await api('/api/v1/openapi.json');
    expect(status).toBe(200);
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/v1/decisions',
      '/api/v1/decisions/counts',
      '/api/v1/identities/{subject}/timeline',
      '/api/v1/keys',
      '/api/v1/links',
      '/api/v1/mismatches',
      '/api/v1/policy/simulate',
      '/api/v1/traces',
      '/api/v1/traces/{traceId}',
    ]);
    expect(document.paths['/api/v1/decisions'].get.parameters.map((p: any) => p.name)).toEqual(['from', 'to', 'subject', 'layer', 'decision', 'reason', 'service', 'limit', 'cursor']);
    const templates = Object.keys(document.paths).map((path) => ({ path, pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`) }));
    let checked = 0;
    for (const answer of seen) {
      const path = answer.path.split('?')[0]!;
      const template = templates.find((t) => t.pattern.test(path));
      if (!template) continue;
      const schema = document.paths[template.path].get.responses[String(answer.status)]?.content['application/json'].schema;
      expect(schema, `${answer.status} from ${answer.path} is undocumented`).toBeDefined();
      expect(conform(schema, answer.body, 'body'), answer.path).toEqual([]);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });
});

/** The JSON Schema keywords the route schemas use; enough to check answers against the document. */
function conform(schema: any, value: unknown, at: string): string[] {
  const errors: string[] = [];
  const types: string[] = schema.type === undefined ? [] : [schema.type].flat();
  const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (types.length > 0 && !types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return [`${at}: ${actual}, documented ${types.join('|')}`];
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} not in ${schema.enum.join(', ')}`);
  if (schema.format === 'date-time' && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(String(value))) errors.push(`${at}: ${String(value)} is no RFC 3339 time`);
  if (actual === 'array' && schema.items) (value as unknown[]).forEach((item, i) => errors.push(...conform(schema.items, item, `${at}[${i}]`)));
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in object)) errors.push(`${at}.${key}: missing`);
    for (const [key, inner] of Object.entries(object)) {
      const sub = schema.properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (sub) errors.push(...conform(sub, inner, `${at}.${key}`));
      else errors.push(`${at}.${key}: undocumented`);
    }
  }
  return errors;
}
