import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Dashboard, Panel, VariableModel } from '@grafana/schema';
import { loadConfig } from '../../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../../collector/src/server/collector.ts';
import { ALL, expandPanelSql, type QueryContext } from './expand.ts';
import { buildDashboard, dashboardFile, dashboards, datasource, grafanaDir, readSql, renderDashboardJson, type PanelType } from './spec.ts';

const fixtures = join(grafanaDir, '../../test/fixtures/istio');
const scenarios = JSON.parse(readFileSync(join(fixtures, 'scenarios_index.json'), 'utf8')) as Record<
  string,
  { trace_id: string; x_request_id: string; cf_ray: string; enduser_id?: string; spans: { kind: string; proxy: string; span_id: string }[] }
>;
const subject = scenarios.allowed_200!.enduser_id!;
const worker = 'shop-edge';
const gateway = 'istio-ingressgateway.istio-system';

// The fixtures were captured around 2026-03-14T10:15Z; one edge request sits three days earlier so a
// signing key is past the 24 h rotation window.
const fixtureStartNs = 1773483330104217000n;
const dayNs = 86_400_000_000_000n;
const window = { from: new Date(Number((fixtureStartNs - 4n * dayNs) / 1_000_000n)), to: new Date(Number(fixtureStartNs / 1_000_000n) + 3_600_000) };

interface EdgeRequest {
  traceId: string;
  serverSpanId: string;
  /** The CLIENT span into the mesh; the gateway's parent span id when the trace id propagated. */
  clientSpanId?: string;
  startNs: bigint;
  subject: string;
  decision: 'allow' | 'deny';
  reason: string;
  policy?: string;
  kid?: string;
  groups?: string[];
  rayId?: string;
  requestId?: string;
  route: string;
}

/** An edge request as the DESIGN.md "Edge span conventions" describe it, in OTLP/JSON. */
function edgeExport(requests: EdgeRequest[]): unknown {
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const spans = requests.flatMap((r) => {
    const server = {
      traceId: r.traceId,
      spanId: r.serverSpanId,
      name: `GET ${r.route}`,
      kind: 2,
      startTimeUnixNano: String(r.startNs),
      endTimeUnixNano: String(r.startNs + 80_000_000n),
      attributes: [
        str('http.request.method', 'GET'),
        str('http.route', r.route),
        str('seam.authz.decision', r.decision),
        str('seam.authz.reason', r.reason),
        ...(r.policy ? [str('seam.authz.policy', r.policy)] : []),
        ...(r.subject ? [str('enduser.id', r.subject), str('seam.auth.issuer', 'https://auth.example.com/')] : []),
        ...(r.kid ? [str('seam.auth.kid', r.kid)] : []),
        ...(r.groups ? [{ key: 'seam.auth.groups', value: { arrayValue: { values: r.groups.map((g) => ({ stringValue: g })) } } }] : []),
        ...(r.rayId ? [str('cloudflare.ray_id', r.rayId)] : []),
        str('http.response.status_code', r.decision === 'allow' ? '200' : '403'),
      ],
      status: { code: r.decision === 'allow' ? 1 : 0 },
    };
    if (!r.clientSpanId) return [server];
    const client = {
      traceId: r.traceId,
      spanId: r.clientSpanId,
      parentSpanId: r.serverSpanId,
      name: 'fetch',
      kind: 3,
      startTimeUnixNano: String(r.startNs + 2_000_000n),
      endTimeUnixNano: String(r.startNs + 70_000_000n),
      attributes: [str('http.request.method', 'GET'), str('enduser.id', r.subject), ...(r.requestId ? [str('seam.request_id', r.requestId)] : [])],
    };
    return [server, client];
  });
  return {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', worker), str('cloud.provider', 'cloudflare'), str('cloud.platform', 'cloudflare.workers')] },
        scopeSpans: [{ scope: { name: '@seam/worker-exporter' }, spans }],
      },
    ],
  };
}

function gatewayParent(scenario: string): string {
  const index = JSON.parse(readFileSync(join(fixtures, 'otlp', scenario, '1_istio-ingressgateway.json'), 'utf8')) as {
    resourceSpans: { scopeSpans: { spans: { kind: number; parentSpanId: string }[] }[] }[];
  };
  return index.resourceSpans[0]!.scopeSpans[0]!.spans.find((s) => s.kind === 2)!.parentSpanId;
}

function edgeRequests(): EdgeRequest[] {
  const s = scenarios;
  const at = (offsetMs: number) => fixtureStartNs + BigInt(offsetMs) * 1_000_000n;
  const base = { subject, kid: 'key-2026-03', groups: ['eng'], route: '/api/v1/products' };
  return [
    // Trace id propagated into the mesh: linked by trace_id.
    { ...base, traceId: s.allowed_200!.trace_id, serverSpanId: 'e1a0000000000001', clientSpanId: gatewayParent('allowed_200'), startNs: at(-3), decision: 'allow', reason: 'route_policy', policy: 'shop/products', rayId: s.allowed_200!.cf_ray, requestId: s.allowed_200!.x_request_id },
    // Propagation broken, ray id kept: linked by cf_ray (broken_propagation).
    { ...base, traceId: 'e2000000000000000000000000000002', serverSpanId: 'e2a0000000000001', clientSpanId: 'e2b0000000000002', startNs: at(-3), decision: 'allow', reason: 'route_policy', policy: 'shop/products', rayId: s.allowed_200_dryrun_shadow_deny!.cf_ray },
    // Edge allowed, gateway denied, joined by the request id only.
    { ...base, traceId: 'e3000000000000000000000000000003', serverSpanId: 'e3a0000000000001', clientSpanId: 'e3b0000000000002', startNs: 1773483465017000000n, decision: 'allow', reason: 'route_policy', policy: 'shop/products', requestId: s.denied_403_authz_at_gateway!.x_request_id },
    // Edge allowed, reviews' sidecar denied, same trace; signed with a key first seen three days earlier.
    { ...base, kid: 'key-2026-02', traceId: s.denied_403_authz_at_reviews!.trace_id, serverSpanId: 'e4a0000000000001', clientSpanId: gatewayParent('denied_403_authz_at_reviews'), startNs: 1773483362549000000n, decision: 'allow', reason: 'route_policy', policy: 'shop/products', rayId: s.denied_403_authz_at_reviews!.cf_ray },
    { ...base, kid: 'key-2026-02', traceId: 'e5000000000000000000000000000005', serverSpanId: 'e5a0000000000001', startNs: fixtureStartNs - 3n * dayNs, decision: 'allow', reason: 'route_policy', policy: 'shop/products' },
    // Denied at the edge: an expired token (no identity) and a route the caller's groups do not cover.
    { subject: '', route: '/admin/users', traceId: 'e6000000000000000000000000000006', serverSpanId: 'e6a0000000000001', startNs: at(1_000), decision: 'deny', reason: 'jwt_expired' },
    { subject: 'contractor-17', kid: 'key-2026-03', groups: ['contractors'], route: '/admin/users', traceId: 'e7000000000000000000000000000007', serverSpanId: 'e7a0000000000001', startNs: at(2_000), decision: 'deny', reason: 'route_policy', policy: 'shop/admin' },
  ];
}

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
}

interface Result {
  meta: { name: string; type: string }[];
  data: Record<string, unknown>[];
}

const numeric = /^(Nullable\()?(U?Int\d+|Float\d+|Decimal)/;
const dateTime = /^(Nullable\()?DateTime/;
const traceAliases = ['traceID', 'spanID', 'parentSpanID', 'serviceName', 'operationName', 'startTime', 'duration', 'tags', 'serviceTags', 'kind', 'statusCode', 'statusMessage'];

/** What each visualisation needs from its query's columns; returns the problems found. */
function shapeProblems(type: PanelType, result: Result): string[] {
  const types = result.meta.map((c) => c.type);
  const names = result.meta.map((c) => c.name);
  switch (type) {
    case 'timeseries':
      return [
        ...(types.some((t) => dateTime.test(t)) ? [] : ['no DateTime column']),
        ...(types.some((t) => numeric.test(t)) ? [] : ['no numeric column']),
      ];
    case 'stat':
      return result.meta.length === 1 && numeric.test(types[0]!) ? [] : [`a stat needs one numeric column, got ${JSON.stringify(result.meta)}`];
    case 'table':
      return result.meta.length >= 2 && names.every((n) => /^[A-Za-z]/.test(n)) ? [] : [`a table needs named columns, got ${names.join(', ')}`];
    case 'barchart':
      return types.some((t) => /String/.test(t)) && types.some((t) => numeric.test(t)) ? [] : ['a bar chart needs a string and a numeric column'];
    case 'traces':
      return traceAliases.filter((alias) => !names.includes(alias)).map((alias) => `missing trace column ${alias}`);
  }
}

const dashboardSpecs = dashboards.map((spec) => ({ spec, dashboard: buildDashboard(spec) }));

describe('Grafana dashboards', () => {
  let dir: string;
  let collector: RunningCollector;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seam-grafana-'));
    const config = loadConfig({ SEAM_DATA_DIR: dir, SEAM_OTLP_HTTP_PORT: '0', SEAM_OTLP_GRPC_PORT: '0', SEAM_ZIPKIN_PORT: '0', SEAM_API_PORT: '0' });
    collector = await startCollector(config, () => {});
    const base = `http://127.0.0.1:${collector.ports.otlpHttp}`;
    for (const scenario of readdirSync(join(fixtures, 'otlp')).sort()) {
      for (const file of readdirSync(join(fixtures, 'otlp', scenario)).sort()) {
        await post(`${base}/v1/traces`, JSON.parse(readFileSync(join(fixtures, 'otlp', scenario, file), 'utf8')));
      }
    }
    await post(`${base}/v1/logs`, JSON.parse(readFileSync(join(fixtures, 'access_logs/denied_403_authz_at_reviews.otel_als.reviews.json'), 'utf8')));
    await post(`${base}/v1/traces`, edgeExport(edgeRequests()));
    // A 200 means the rows are in the write-ahead log; the panels read ClickHouse, so wait for them there.
    await collector.writer.caughtUp();
  });

  afterAll(async () => {
    await collector?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function run(sql: string, context: QueryContext): Promise<Result> {
    const result = await collector.store.client.query({ query: expandPanelSql(sql, context), format: 'JSON' });
    return result.json<Record<string, unknown>>() as unknown as Promise<Result>;
  }

  const everything: QueryContext = {
    ...window,
    intervalMs: 60_000,
    variables: { service: [ALL], subject: '', layer: [ALL], rotation_hours: '24', trace_id: scenarios.allowed_200!.trace_id },
  };
  const selection: QueryContext = {
    ...window,
    intervalMs: 1_500,
    variables: { service: [worker, gateway], subject, layer: ['edge', 'gateway'], rotation_hours: '48', trace_id: scenarios.denied_403_authz_at_reviews!.trace_id },
  };

  for (const { spec, dashboard } of dashboardSpecs) {
    describe(spec.title, () => {
      for (const panel of spec.panels) {
        const sql = readSql(`panels/${spec.folder}/${panel.file}`);

        it(`${panel.title}: returns what a ${panel.type} panel needs, with every variable on "All"`, async () => {
          const result = await run(sql, everything);
          expect(shapeProblems(panel.type, result)).toEqual([]);
          expect(result.data.length).toBeGreaterThan(0);
          if (panel.type === 'stat') expect(Number(Object.values(result.data[0]!)[0])).toBeGreaterThan(0);
        });

        it(`${panel.title}: runs with one service, subject and layer selected`, async () => {
          const all = await run(sql, everything);
          const some = await run(sql, selection);
          expect(some.meta.map((c) => c.name)).toEqual(all.meta.map((c) => c.name));
          expect(shapeProblems(panel.type, some)).toEqual([]);
        });
      }

      it('defines exactly the template variables its panels use', () => {
        const used = new Set<string>();
        for (const panel of dashboard.panels as Panel[]) {
          const text = `${panel.title ?? ''} ${JSON.stringify(panel.targets)}`;
          for (const match of text.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g)) {
            const name = match[1] ?? match[2]!;
            if (!name.startsWith('__')) used.add(name);
          }
        }
        const defined = (dashboard.templating?.list ?? []).map((v: VariableModel) => v.name);
        expect([...used].sort()).toEqual([...defined].sort());
      });
    });
  }

  it('the trace panel reads the whole trace, every span with its tags', async () => {
    const sql = readSql('panels/agreement/05_trace.sql');
    const result = await run(sql, everything);
    const expected = scenarios.allowed_200!.spans.length + 2; // the mesh's spans plus the edge's SERVER and CLIENT spans
    expect(result.data).toHaveLength(expected);
    expect(new Set(result.data.map((row) => row.traceID))).toEqual(new Set([scenarios.allowed_200!.trace_id]));
    const gatewayEntry = result.data.find((row) => row.serviceName === gateway && row.kind === 'Server')!;
    expect(gatewayEntry.tags).toContainEqual({ key: 'cf.ray', value: scenarios.allowed_200!.cf_ray });
  });

  it('the service variable lists the Worker and the mesh services', async () => {
    const result = await run(readSql('panels/variables/service.sql'), everything);
    expect(result.data.map((row) => row.service)).toEqual(expect.arrayContaining([worker, gateway, 'productpage.default', 'reviews.default']));
  });

  it('the committed dashboard JSON is what build.ts generates', () => {
    for (const spec of dashboards) {
      expect(readFileSync(join(grafanaDir, 'dashboards', dashboardFile(spec)), 'utf8'), `${dashboardFile(spec)} is stale: run npx tsx queries/grafana/build.ts`).toBe(renderDashboardJson(spec));
    }
  });

  it('every panel queries the provisioned data source, whose trace and log tables exist', async () => {
    const provisioned = parseYaml(readFileSync(join(grafanaDir, 'provisioning/datasources/seam.yaml'), 'utf8')) as {
      datasources: { uid: string; type: string; jsonData: { traces: { defaultTable: string; otelEnabled: boolean }; logs: { defaultTable: string; otelEnabled: boolean } } }[];
    };
    const [source] = provisioned.datasources;
    expect(source).toMatchObject({ uid: datasource.uid, type: datasource.type });
    for (const { dashboard } of dashboardSpecs) {
      for (const panel of (dashboard as Dashboard).panels as Panel[]) expect(panel.datasource).toEqual(datasource);
    }
    const tables = await collector.store.client.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase()', format: 'JSONEachRow' });
    const names = (await tables.json<{ name: string }>()).map((t) => t.name);
    const traces = source!.jsonData.traces.defaultTable;
    expect(names).toEqual(expect.arrayContaining([traces, `${traces}_trace_id_ts`, source!.jsonData.logs.defaultTable]));
    expect(source!.jsonData.traces.otelEnabled && source!.jsonData.logs.otelEnabled).toBe(true);
  });

  it('the dashboard provider loads the directory docker-compose.yml mounts the JSON into', () => {
    const provider = parseYaml(readFileSync(join(grafanaDir, 'provisioning/dashboards/seam.yaml'), 'utf8')) as { providers: { options: { path: string } }[] };
    const compose = parseYaml(readFileSync(join(grafanaDir, '../../docker-compose.yml'), 'utf8')) as { services: { grafana: { volumes: string[] } } };
    expect(compose.services.grafana.volumes).toContain(`./queries/grafana/dashboards:${provider.providers[0]!.options.path}:ro`);
  });
});
