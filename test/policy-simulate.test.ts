import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateRoute, parseRoutePolicy, type RoutePolicy } from '@seam/worker-exporter/rules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../collector/src/auth/bearer.ts';
import { toOtlpJson, type AbstractSpan } from './generator/encode.ts';
import { generateTraffic, type Truth } from './generator/traffic.ts';
import { Random } from './generator/random.ts';
import { postJson, startTestCollector, type TestCollector } from './helpers/collector.ts';
import { sendBatches } from './helpers/send.ts';

// Traffic with known truth for policy simulation: edge requests over several paths, methods and group
// sets, decided at the edge by the route policy in force (the Worker's own evaluator, as the Worker
// does) and, when allowed, passed through the ingress gateway to the productpage sidecar, which
// decides by the AuthorizationPolicies in force (written out by hand below, not by Seam's evaluator).
// Spans are encoded as Seam's worker exporter and Istio's Envoy send them (test/generator/encode.ts).
const fixtures = new URL('./fixtures/policy/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, fixtures), 'utf8');
const routesInForce = parseRoutePolicy(read('routes-in-force.json'));
const authzInForce = read('authz-in-force.yaml');
const tenantToken = 'policy-tenant-token';
const startMs = Date.UTC(2026, 10, 24, 9, 0, 0);
const window = { from: new Date(startMs - 60_000).toISOString(), to: new Date(startMs + 3_600_000).toISOString() };
const paths = ['/api/v1/products/1', '/api/v1/products/2/reviews', '/api/v1/orders/7', '/admin/users', '/health'];
const groupSets = [[], ['reviewers'], ['eng'], ['admins'], ['eng', 'reviewers'], ['admins', 'eng']];
const ms = 1_000_000n;

interface Sent {
  traceId: string;
  method: string;
  path: string;
  groups: string[];
  authFailed: boolean;
  edge: 'allow' | 'deny';
  /** The sidecar's decision; undefined when the edge denied and the mesh never saw the request. */
  mesh: 'allow' | 'deny' | undefined;
}

/** The sidecar policies in force (authz-in-force.yaml), by hand: reviewers read products; eng and admins anything but /admin, admins /admin. */
function meshInForce(path: string, groups: string[]): 'allow' | 'deny' {
  if (path.startsWith('/admin') && !groups.includes('admins')) return 'deny';
  if (groups.includes('reviewers') && path.startsWith('/api/v1/products')) return 'allow';
  return groups.includes('eng') || groups.includes('admins') ? 'allow' : 'deny';
}

function buildTraffic(requests: number): { sent: Sent[]; batches: { receiver: 'otlp-json'; body: string; late: boolean }[] } {
  const rng = new Random(17);
  const sent: Sent[] = [];
  const spans: AbstractSpan[] = [];
  for (let i = 0; i < requests; i++) {
    const traceId = rng.hex(32);
    const method = rng.chance(0.7) ? 'GET' : 'POST';
    const path = paths[rng.int(paths.length)]!;
    const groups = groupSets[rng.int(groupSets.length)]!;
    const authFailed = rng.chance(0.05);
    const routed = evaluateRoute(routesInForce, method, path, groups);
    const edge = authFailed ? 'deny' : routed.decision;
    const start = BigInt(startMs + i * 50) * ms;
    const subject = `auth0|user-${i % 40}`;
    const serverId = rng.hex(16);
    spans.push({
      traceId,
      spanId: serverId,
      parentId: '',
      name: `${method} ${path}`,
      kind: 'Server',
      service: 'edge-gateway',
      startNs: start,
      durationNs: 30n * ms,
      resource: { 'cloud.provider': 'cloudflare', 'cloud.platform': 'cloudflare.workers' },
      attributes: {
        'http.request.method': method,
        'url.path': path,
        'url.full': `https://shop.example.com${path}?page=2`,
        'cloudflare.ray_id': `${rng.hex(16)}-FRA`,
        'enduser.id': subject,
        'seam.auth.issuer': 'https://auth.example.com/',
        'seam.auth.groups': groups,
        'seam.mapping.version': 'sha256:4f2a9c0011223344',
        'seam.authz.decision': edge,
        'seam.authz.reason': authFailed ? 'jwt_expired' : routed.reason,
        'seam.authz.policy': authFailed ? '' : routed.policy,
      },
    });
    let mesh: 'allow' | 'deny' | undefined;
    if (edge === 'allow') {
      mesh = meshInForce(path, groups);
      const clientId = rng.hex(16);
      spans.push({ traceId, spanId: clientId, parentId: serverId, name: `fetch ${method}`, kind: 'Client', service: 'edge-gateway', startNs: start + 2n * ms, durationNs: 20n * ms, resource: { 'cloud.provider': 'cloudflare' }, attributes: { 'http.request.method': method, 'url.full': `https://mesh.example.com${path}`, 'enduser.id': subject } });
      const common = { component: 'proxy', 'http.method': method, 'http.url': `https://shop.example.com${path}?page=2`, 'http.protocol': 'HTTP/1.1', 'enduser.id': subject, response_flags: '-', 'istio.mesh_id': 'cluster.local' };
      const denied = mesh === 'deny';
      const gatewayId = rng.hex(16);
      spans.push({
        traceId,
        spanId: gatewayId,
        parentId: clientId,
        name: 'productpage.default.svc.cluster.local:9080/*',
        kind: 'Server',
        service: 'istio-ingressgateway.istio-system',
        startNs: start + 3n * ms,
        durationNs: 12n * ms,
        resource: { 'telemetry.sdk.name': 'envoy' },
        attributes: {
          ...common,
          node_id: 'router~10.244.0.7~istio-ingressgateway-6b7f9d8c5-zx4kq.istio-system~istio-system.svc.cluster.local',
          'http.status_code': denied ? '403' : '200',
          response_size: denied ? '19' : '1830',
          upstream_cluster: 'outbound|9080||productpage.default.svc.cluster.local',
          'istio.namespace': 'istio-system',
          'istio.canonical_service': 'istio-ingressgateway',
          'istio.canonical_revision': 'latest',
        },
      });
      const routerId = rng.hex(16);
      spans.push({ traceId, spanId: routerId, parentId: gatewayId, name: 'router outbound|9080||productpage.default.svc.cluster.local; egress', kind: 'Client', service: 'istio-ingressgateway.istio-system', startNs: start + 4n * ms, durationNs: 10n * ms, resource: { 'telemetry.sdk.name': 'envoy' }, attributes: { ...common, 'http.status_code': denied ? '403' : '200', response_size: denied ? '19' : '1830' } });
      spans.push({
        traceId,
        spanId: rng.hex(16),
        parentId: routerId,
        name: 'productpage.default.svc.cluster.local:9080/*',
        kind: 'Server',
        service: 'productpage.default',
        startNs: start + 5n * ms,
        durationNs: 8n * ms,
        resource: { 'telemetry.sdk.name': 'envoy' },
        attributes: {
          ...common,
          node_id: 'sidecar~10.244.1.12~productpage-v1-7d9c8b6f5-k2m4p.default~default.svc.cluster.local',
          'http.status_code': denied ? '403' : '200',
          response_size: denied ? '19' : '1830',
          upstream_cluster: 'inbound|9080||',
          'istio.namespace': 'default',
          'istio.canonical_service': 'productpage',
          'istio.canonical_revision': 'v1',
        },
      });
    }
    sent.push({ traceId, method, path, groups, authFailed, edge, mesh });
  }
  const batches = [];
  for (let i = 0; i < spans.length; i += 200) batches.push({ receiver: 'otlp-json' as const, body: toOtlpJson(spans.slice(i, i + 200)), late: false });
  return { sent, batches };
}

interface Simulation {
  evaluated: number;
  untouched: number;
  flipCount: number;
  flips: { traceId: string; spanId: string; layer: string; service: string; subject: string; from: string; to: string; rule: string }[];
  byRule: { layer: string; rule: string; count: number; sampleTraceIds: string[] }[];
  byGroup: { group: string; allowToDeny: number; denyToAllow: number }[];
  undecidableCount: number;
  undecidable: { traceId: string; reason: string }[];
}

const requests = 600;
let collector: TestCollector;
let sent: Sent[];
// The mixed traffic of test/generator, days apart from the traffic above.
const generatedStartMs = Date.UTC(2026, 10, 20, 9, 0, 0);
const generatedRequests = 2000;
let generated: Truth;

async function simulate(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; body: Simulation & { error?: { message: string } } }> {
  const response = await postJson(collector.url('api', '/api/v1/policy/simulate'), { ...window, limit: 1000, ...body }, headers);
  return { status: response.status, body: (await response.json()) as Simulation & { error?: { message: string } } };
}

beforeAll(async () => {
  // These tests compare every flip with the truth: read from rows, every point is listed, whereas the
  // policy rollup keeps 20 per shape and minute (its counts are compared with rows in policy-rollup.test.ts).
  collector = await startTestCollector({ SEAM_ROLLUP_INTERVAL_SECONDS: '0', SEAM_API_TENANTS: JSON.stringify({ [hashToken(tenantToken)]: ['default'] }), SEAM_TOKEN_HASHES: hashToken('admin-token'), SEAM_AUTH: 'on', SEAM_RECEIVER_AUTH: 'off' });
  const traffic = buildTraffic(requests);
  sent = traffic.sent;
  await sendBatches(collector, traffic.batches);
  const mixed = generateTraffic({ requests: generatedRequests, seed: 3, startMs: generatedStartMs });
  generated = mixed.truth;
  await sendBatches(collector, mixed.batches.filter((b) => !b.late));
  await sendBatches(collector, mixed.batches.filter((b) => b.late));
}, 120_000);
let closed = false;
afterAll(async () => {
  if (!closed) await collector?.close();
});

const admin = { authorization: 'Bearer admin-token' };
const meshReached = () => sent.filter((s) => s.mesh !== undefined);

describe('policy simulation on recorded traffic with known truth', () => {
  it('re-simulating the policies in force flips nothing and decides every request', async () => {
    const { status, body } = await simulate({ routes: routesInForce, authz: authzInForce, assertionIssuer: 'https://edge.example.com' }, admin);
    expect(status).toBe(200);
    expect(body.flipCount).toBe(0);
    expect(body.undecidableCount).toBe(0);
    // Edge requests with a verified caller, plus the gateway and sidecar points of every request the edge let through.
    expect(body.evaluated).toBe(sent.filter((s) => !s.authFailed).length + 2 * meshReached().length);
    expect(body.untouched).toBe(sent.filter((s) => s.authFailed).length);
  });

  it('a route proposal that denies one path to one group flips exactly those requests', async () => {
    // eng loses GET /api/v1/products; reviewers and admins keep it.
    const proposal: RoutePolicy = { ...routesInForce, rules: routesInForce.rules.map((rule) => (rule.id === 'products-read' ? { ...rule, groups: ['reviewers', 'admins'] } : rule)) };
    const { status, body } = await simulate({ routes: proposal }, admin);
    expect(status).toBe(200);
    const expected = sent.filter((s) => s.edge === 'allow' && s.method === 'GET' && s.path.startsWith('/api/v1/products') && s.groups.includes('eng') && !s.groups.includes('reviewers') && !s.groups.includes('admins'));
    expect(expected.length).toBeGreaterThan(10);
    expect(new Set(body.flips.map((f) => f.traceId))).toEqual(new Set(expected.map((s) => s.traceId)));
    expect(body.flipCount).toBe(expected.length);
    expect(body.flips.every((f) => f.layer === 'edge' && f.from === 'allow' && f.to === 'deny' && f.rule === 'shop/products-read')).toBe(true);
    expect(body.byRule).toEqual([expect.objectContaining({ layer: 'edge', rule: 'shop/products-read', count: expected.length })]);
    expect(body.byGroup.find((g) => g.group === 'eng')).toEqual({ group: 'eng', allowToDeny: expected.length, denyToAllow: 0 });
    expect(body.byGroup.find((g) => g.group === 'reviewers')).toBeUndefined();
  });

  it('an AuthorizationPolicy proposal that denies one path to one group flips exactly those sidecar decisions', async () => {
    const deny = [
      'apiVersion: security.istio.io/v1',
      'kind: AuthorizationPolicy',
      'metadata: { name: no-orders-for-eng, namespace: default }',
      'spec:',
      '  selector: { matchLabels: { app: productpage } }',
      '  action: DENY',
      '  rules:',
      '  - to: [{ operation: { paths: ["/api/v1/orders/*"] } }]',
      '    when: [{ key: "request.auth.claims[groups]", values: ["eng"] }]',
    ].join('\n');
    const { status, body } = await simulate({ authz: `${authzInForce}\n---\n${deny}`, assertionIssuer: 'https://edge.example.com' }, admin);
    expect(status).toBe(200);
    const expected = sent.filter((s) => s.mesh === 'allow' && s.path.startsWith('/api/v1/orders/') && s.groups.includes('eng'));
    expect(expected.length).toBeGreaterThan(10);
    expect(body.flips.map((f) => f.traceId).sort()).toEqual(expected.map((s) => s.traceId).sort());
    expect(body.flips.every((f) => f.layer === 'sidecar' && f.service === 'productpage.default' && f.to === 'deny' && f.rule === 'ns[default]-policy[no-orders-for-eng]-rule[0]')).toBe(true);
    expect(body.undecidableCount).toBe(0);
  });

  it("knows a sidecar's calling namespace from its caller's span", async () => {
    const fromGateway = 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: from-gateway, namespace: default }\nspec:\n  selector: { matchLabels: { app: productpage } }\n  rules:\n  - from: [{ source: { namespaces: ["istio-system"] } }]\n';
    const { body } = await simulate({ authz: fromGateway }, admin);
    expect(body.undecidableCount).toBe(0);
    expect(body.flips.map((f) => f.traceId).sort()).toEqual(sent.filter((s) => s.mesh === 'deny').map((s) => s.traceId).sort());
    expect(body.flips.every((f) => f.to === 'allow' && f.rule === 'ns[default]-policy[from-gateway]-rule[0]')).toBe(true);
  });

  it('says which requests it cannot decide, and why', async () => {
    const byHeader = 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: by-header, namespace: default }\nspec:\n  action: DENY\n  rules:\n  - when: [{ key: "request.headers[x-tenant]", values: ["blocked"] }]\n';
    const { body } = await simulate({ authz: byHeader }, admin);
    expect(body.flipCount).toBe(0);
    expect(body.undecidableCount).toBe(meshReached().length);
    expect(body.undecidable[0]!.reason).toContain('header x-tenant is not recorded');
  });

  it("on the generator's mixed traffic, opening every route and removing every mesh policy flips exactly the recorded policy denials", async () => {
    // The window reaches back to the generator's first use of its old signing key, 30 h before its traffic.
    const range = { from: new Date(generatedStartMs - 31 * 3_600_000).toISOString(), to: new Date(generatedStartMs + generatedRequests * 40 + 60_000).toISOString() };
    const open = { schema: 'seam.route-policy/v1', name: 'open', default: 'allow', rules: [] };
    const unrelated = 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: elsewhere, namespace: unrelated }\nspec: { action: DENY, rules: [{}] }\n';
    const { status, body } = await simulate({ ...range, routes: open, authz: unrelated }, admin);
    expect(status).toBe(200);
    // Authentication failures (jwt_*, authn) stay denied; the route policy's, RBAC's and the external authorizer's denials flip.
    const expected = [...generated.decisions].filter(([, d]) => d.decision === 'deny' && ['route_policy', 'rbac', 'ext_authz'].includes(d.reason)).map(([key]) => key);
    expect(expected.length).toBeGreaterThan(100);
    expect(body.flipCount).toBe(expected.length);
    expect(body.flips.map((f) => `${f.traceId}|${f.spanId}`).sort()).toEqual(expected.sort());
    expect(body.flips.every((f) => f.to === 'allow')).toBe(true);
    expect(body.undecidableCount).toBe(0);
  });

  it('a tenant token simulates only its namespaces', async () => {
    const { status, body } = await simulate({ routes: routesInForce, authz: authzInForce, assertionIssuer: 'https://edge.example.com' }, { authorization: `Bearer ${tenantToken}` });
    expect(status).toBe(200);
    expect(body.evaluated).toBe(meshReached().length);
  });

  it('answers bad input with a 4xx that says what to change', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{}, 400, 'nothing to simulate'],
      [{ routes: { schema: 'seam.route-policy/v1', name: 'x', default: 'maybe', rules: [] } }, 400, 'ROUTE_POLICY.default'],
      [{ authz: 'kind: AuthorizationPolicy\napiVersion: security.istio.io/v1\nmetadata: {name: a}\nspec: {action: MAYBE}' }, 400, 'spec.action'],
      [{ authz: 'kind: ConfigMap\napiVersion: v1' }, 400, 'no AuthorizationPolicy'],
      [{ authz: authzInForce, from: '2026-11-01T00:00:00Z', to: '2026-11-20T00:00:00Z' }, 400, 'longer than 7 days'],
      [{ authz: authzInForce, from: 'yesterday' }, 400, ''],
      [{ authz: authzInForce, extra: 1 }, 400, ''],
    ];
    for (const [body, status, message] of cases) {
      const answer = await simulate(body, admin);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.body.error?.message).toContain(message);
    }
    const anonymous = await simulate({ authz: authzInForce });
    expect(anonymous.status).toBe(401);
  });

  it('is described in the OpenAPI document, request body included', async () => {
    const document = (await (await fetch(collector.url('api', '/api/v1/openapi.json'))).json()) as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> }; responses: Record<string, unknown> }>> };
    const operation = document.paths['/api/v1/policy/simulate']!.post!;
    expect(Object.keys(operation.requestBody!.content['application/json']!.schema.properties)).toEqual(['from', 'to', 'routes', 'authz', 'rootNamespace', 'assertionIssuer', 'workloads', 'limit']);
    expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401', '403']);
  });

  describe('seam policy simulate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seam-simulate-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const proposal = { ...routesInForce, rules: routesInForce.rules.map((rule) => (rule.id === 'products-read' ? { ...rule, groups: ['reviewers', 'admins'] } : rule)) };
    writeFileSync(join(dir, 'routes.json'), JSON.stringify(proposal));
    const expected = () => sent.filter((s) => s.edge === 'allow' && s.method === 'GET' && s.path.startsWith('/api/v1/products') && s.groups.includes('eng') && !s.groups.includes('reviewers') && !s.groups.includes('admins'));
    // Asynchronously: the collector answering the CLI runs in this process.
    const run = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        const argv = ['--conditions=@seam/source', '--import', 'tsx', 'collector/src/cli/main.ts', 'policy', 'simulate', '--routes', join(dir, 'routes.json'), '--from', window.from, '--to', window.to, '--limit', '1000', ...args];
        execFile(process.execPath, argv, { cwd: join(import.meta.dirname, '..'), env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
          resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr });
        });
      });

    it('--url asks a running collector and prints the flips as JSON or as a table', async () => {
      const json = await run(['--json', '--url', collector.url('api', ''), '--token', 'admin-token']);
      expect(json.stderr).toBe('');
      const body = JSON.parse(json.stdout) as Simulation;
      expect(body.flips.map((f) => f.traceId).sort()).toEqual(expected().map((s) => s.traceId).sort());
      const people = await run(['--url', collector.url('api', ''), '--token', 'admin-token']);
      expect(people.stdout).toContain(`${expected().length} flips`);
      expect(people.stdout).toMatch(/edge\s+shop\/products-read\s+allow → deny\s+\d+/);
      const refused = await run(['--url', collector.url('api', '')]);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('missing bearer token');
    });

    it('reads SEAM_DATA_DIR directly when no --url is given', async () => {
      await collector.close();
      closed = true;
      const direct = await run(['--json'], { SEAM_DATA_DIR: collector.dataDir });
      expect(direct.status, direct.stderr).toBe(0);
      const body = JSON.parse(direct.stdout) as Simulation;
      expect(body.flipCount).toBe(expected().length);
      const usage = await run(['--from', 'soon'], { SEAM_DATA_DIR: collector.dataDir });
      expect(usage.status).toBe(2);
      expect(usage.stderr).toContain('from=soon is not a valid time');
    });
  });
});
