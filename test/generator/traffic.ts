import type { AbstractSpan } from './encode.ts';
import { toAccessLogJson, toOtlpJson, toZipkinJson } from './encode.ts';
import { Random } from './random.ts';

/**
 * Deterministic mixed traffic between a Cloudflare Worker and an Istio mesh, with the correlation a
 * correct Seam must find. Edge spans are shaped as each edge producer emits them (`Producer`); mesh
 * spans as Istio's Envoy sends them over OTLP (W3C) and Zipkin (B3), for Istio ≤1.27 (one CLIENT
 * gateway span) and ≥1.28 (SERVER + `router … egress` CLIENT), with and without access logs. A quarter
 * of the edge requests reach the collector in two exports, SERVER span and subrequests apart, either
 * one late.
 */
/**
 * Who wrote the edge spans. `seam_exporter`: Seam's worker exporter (subject also on the CLIENT span).
 * `otel_cf_workers`: `@microlabs/otel-cf-workers`, the handler setting the conventions' attributes on
 * its SERVER span; every `fetch` is a CLIENT span without `seam.request_id`, one of them to a non-mesh
 * API first. `workers_builtin`: Cloudflare's built-in tracing, never propagating, kind unspecified,
 * `cloudflare.*` and `faas.*` attributes. `server_only`: a team's own spans that follow DESIGN.md's
 * conventions to the letter: identity and decision only on the SERVER span.
 */
export type Producer = 'seam_exporter' | 'otel_cf_workers' | 'workers_builtin' | 'server_only';
export const producers: Producer[] = ['seam_exporter', 'otel_cf_workers', 'workers_builtin', 'server_only'];
export type LinkMethod = 'trace_id' | 'cf_ray' | 'request_id' | 'identity_time';
export type MismatchKind = 'edge_allow_mesh_deny' | 'edge_deny_mesh_reached' | 'mesh_without_edge' | 'identity_mismatch' | 'broken_propagation' | 'stale_key';
export const linkMethods: LinkMethod[] = ['trace_id', 'cf_ray', 'request_id', 'identity_time'];
export const mismatchKinds: MismatchKind[] = ['edge_allow_mesh_deny', 'edge_deny_mesh_reached', 'mesh_without_edge', 'identity_mismatch', 'broken_propagation', 'stale_key'];

export interface Batch {
  receiver: 'otlp-json' | 'otlp-proto' | 'zipkin' | 'logs';
  body: string;
  /** Sent after everything else, as a mesh that reports minutes late. */
  late: boolean;
}

export interface Truth {
  /** `edgeTrace|meshTrace` → method. */
  links: Map<string, LinkMethod>;
  /** `kind|trace|meshTrace` (meshTrace '' for stale_key). */
  mismatches: Set<string>;
  /** `trace|span` → decision and reason at every decision point. */
  decisions: Map<string, { decision: 'allow' | 'deny'; reason: string; policy?: string; dryRun?: 'deny' }>;
  /** Decision points where the app, not the mesh, answered 403. */
  appForbidden: Set<string>;
  /** Edge trace → the producer of its spans. */
  producers: Map<string, Producer>;
  edgeRequests: number;
  meshRequests: number;
  ambiguousPairs: number;
}

export interface TrafficOptions {
  requests: number;
  seed: number;
  /** Wall-clock start of the traffic, epoch ms. */
  startMs: number;
  /** Requests grouped per exporter POST. */
  perBatch?: number;
}

type MeshOutcome = 'allow' | 'gateway_rbac' | 'gateway_authn' | 'ext_authz' | 'sidecar_rbac' | 'app_403' | 'dry_run';
type Scenario = 'propagated' | 'ray' | 'request_id' | 'identity' | 'ambiguous' | 'bypass' | 'edge_denied' | 'internal';

const scenarioWeights: [Scenario, number][] = [
  ['propagated', 32],
  ['ray', 14],
  ['request_id', 10],
  ['identity', 16],
  ['ambiguous', 3],
  ['bypass', 8],
  ['edge_denied', 10],
  ['internal', 7],
];
// Which producers can give each link: only a propagating producer shares the trace id, only one that
// sets `seam.request_id` the request id.
const producerWeights: Record<'propagated' | 'ray' | 'request_id' | 'identity' | 'any', [Producer, number][]> = {
  propagated: [['seam_exporter', 2], ['otel_cf_workers', 1], ['server_only', 1]],
  ray: [['workers_builtin', 3], ['seam_exporter', 1], ['otel_cf_workers', 1], ['server_only', 1]],
  request_id: [['seam_exporter', 1], ['server_only', 1]],
  identity: [['seam_exporter', 1], ['otel_cf_workers', 1], ['workers_builtin', 1], ['server_only', 1]],
  any: [['seam_exporter', 1], ['otel_cf_workers', 1], ['workers_builtin', 1], ['server_only', 1]],
};
const outcomeWeights: [MeshOutcome, number][] = [
  ['allow', 58],
  ['gateway_rbac', 7],
  ['gateway_authn', 6],
  ['ext_authz', 4],
  ['sidecar_rbac', 11],
  ['app_403', 9],
  ['dry_run', 5],
];
const ms = 1_000_000n;
const gatewayService = 'istio-ingressgateway.istio-system';
const workerResource = { 'cloud.provider': 'cloudflare', 'cloud.platform': 'cloudflare.workers' };
// As otel-cf-workers 0.9 names its resource, spans and attributes (old HTTP semantic conventions).
const otelCfWorkersResource = { ...workerResource, 'cloud.region': 'earth', 'faas.max_memory': '128', 'telemetry.sdk.name': '@microlabs/otel-workers-sdk', 'telemetry.sdk.language': 'JavaScript' };
const builtinResource = { 'cloudflare.script_name': 'edge-gateway' };
const meshUrl = 'https://mesh.example.com/api/v1/products/0/reviews';
const envoyResource = { 'telemetry.sdk.name': 'envoy', 'telemetry.sdk.language': 'cpp' };
const keyRotationMs = 24 * 3600 * 1000;

export function generateTraffic(options: TrafficOptions): { batches: Batch[]; truth: Truth } {
  const rng = new Random(options.seed);
  const truth: Truth = { links: new Map(), mismatches: new Set(), decisions: new Map(), appForbidden: new Set(), producers: new Map(), edgeRequests: 0, meshRequests: 0, ambiguousPairs: 0 };
  const edgeParts: { spans: AbstractSpan[]; late: boolean }[] = [];
  const meshSpans: { spans: AbstractSpan[]; zipkin: boolean }[] = [];
  const logs: Parameters<typeof toAccessLogJson>[0][] = [];
  const keys = { old: { kid: 'edge-2026-old', firstMs: options.startMs - 30 * 3600 * 1000 }, current: { kid: 'edge-2026-new', firstMs: options.startMs } };

  /**
   * One edge request as `producer` records it: its SERVER (or built-in root) span and, when it calls the
   * mesh (`requestId` not null; '' when the producer sets none), its subrequest spans.
   */
  const edge = (producer: Producer, traceId: string, startMs: number, subject: string, decision: 'allow' | 'deny', reason: string, kid: string, ray: string, requestId: string | null) => {
    const builtin = producer === 'workers_builtin';
    const serverId = rng.hex(16);
    const start = BigInt(startMs) * ms;
    const resource = builtin ? builtinResource : producer === 'otel_cf_workers' ? otelCfWorkersResource : workerResource;
    const server: AbstractSpan = {
      traceId,
      spanId: serverId,
      parentId: '',
      name: builtin ? 'fetch' : producer === 'otel_cf_workers' ? 'fetchHandler' : 'GET /api/v1/products',
      // Cloudflare does not document the kind of its built-in root span: each must work.
      kind: builtin ? rng.pick(['Unspecified', 'Internal', 'Server'] as const) : 'Server',
      service: 'edge-gateway',
      startNs: start,
      durationNs: 30n * ms,
      resource,
      attributes: {
        ...(builtin
          ? { 'http.request.method': 'GET', 'url.full': 'https://shop.example.com/api/v1/products/0/reviews', 'cloudflare.ray_id': ray, 'faas.trigger': 'http', 'cloudflare.colo': 'FRA' }
          : producer === 'otel_cf_workers'
            ? { 'http.method': 'GET', 'http.url': 'https://shop.example.com/api/v1/products/0/reviews', 'faas.trigger': 'http', 'faas.coldstart': 'false', 'cloudflare.ray_id': ray }
            : { 'http.request.method': 'GET', 'url.path': '/api/v1/products/0/reviews', 'cloudflare.ray_id': `${ray}-FRA` }),
        'enduser.id': subject,
        'seam.auth.issuer': 'https://auth.example.com/',
        'seam.auth.kid': kid,
        'seam.auth.groups': ['reviewers', 'eng'],
        'seam.mapping.version': 'sha256:4f2a9c',
        'seam.authz.decision': decision,
        ...(reason ? { 'seam.authz.reason': reason } : {}),
        'seam.authz.policy': decision === 'allow' ? 'route:/api/' : '',
      },
    };
    truth.decisions.set(`${traceId}|${serverId}`, { decision, reason });
    truth.producers.set(traceId, producer);
    truth.edgeRequests++;
    const fetchSpan = (offsetMs: bigint, url: string, attributes: Record<string, string>): AbstractSpan => ({
      traceId,
      spanId: rng.hex(16),
      parentId: serverId,
      name: builtin ? 'fetch' : producer === 'otel_cf_workers' ? `fetch: ${new URL(url).host}` : 'fetch GET',
      kind: builtin ? 'Unspecified' : 'Client',
      service: 'edge-gateway',
      startNs: start + offsetMs * ms,
      durationNs: 20n * ms,
      resource,
      attributes: producer === 'otel_cf_workers' ? { 'http.method': 'GET', 'http.url': url, ...attributes } : { 'http.request.method': 'GET', 'url.full': url, ...attributes },
    });
    const subrequests: AbstractSpan[] = [];
    let client: AbstractSpan | undefined;
    if (requestId !== null) {
      // otel-cf-workers instruments every fetch: the Worker looks the caller up elsewhere first.
      if (producer === 'otel_cf_workers') subrequests.push(fetchSpan(1n, 'https://profiles.example.net/v1/me', {}));
      const own: Record<string, string> = {
        seam_exporter: { 'seam.request_id': requestId, 'enduser.id': subject },
        server_only: { 'seam.request_id': requestId },
        otel_cf_workers: {},
        workers_builtin: {},
      }[producer];
      client = fetchSpan(2n, meshUrl, own);
      subrequests.push(client);
    }
    if (subrequests.length > 0 && rng.chance(0.25)) {
      // Two exports, either of them late: correlation must not depend on the spans arriving together.
      const serverLate = rng.chance(0.5);
      edgeParts.push({ spans: [server], late: serverLate }, { spans: subrequests, late: !serverLate });
    } else {
      edgeParts.push({ spans: [server, ...subrequests], late: false });
    }
    if (kid === keys.old.kid && startMs - keys.old.firstMs > keyRotationMs) truth.mismatches.add(`stale_key|${traceId}|`);
    return { serverId, clientId: client?.spanId ?? '' };
  };

  const mesh = (traceId: string, parentId: string, startMs: number, outcome: MeshOutcome, subject: string, ray: string, requestId: string, istio: 127 | 128, zipkin: boolean, accessLog: boolean) => {
    truth.meshRequests++;
    const start = BigInt(startMs) * ms;
    const spans: AbstractSpan[] = [];
    const common = (status: string, size: string, flags = '-') => ({
      component: 'proxy',
      'http.method': 'GET',
      'http.protocol': 'HTTP/1.1',
      'guid:x-request-id': requestId,
      'http.status_code': status,
      response_size: size,
      response_flags: flags,
      'istio.mesh_id': 'cluster.local',
    });
    const gatewayStatus = { allow: '200', gateway_rbac: '403', gateway_authn: '401', ext_authz: '403', sidecar_rbac: '403', app_403: '403', dry_run: '200' }[outcome];
    const gatewaySize = { allow: '1830', gateway_rbac: '19', gateway_authn: '14', ext_authz: '0', sidecar_rbac: '19', app_403: '76', dry_run: '1830' }[outcome];
    const gateway: AbstractSpan = {
      traceId,
      spanId: rng.hex(16),
      parentId,
      name: 'productpage.default.svc.cluster.local:9080/api/v1/products*',
      kind: istio === 128 ? 'Server' : 'Client',
      service: gatewayService,
      startNs: start,
      durationNs: 12n * ms,
      resource: envoyResource,
      attributes: {
        node_id: 'router~10.244.0.7~istio-ingressgateway-6b7f9d8c5-zx4kq.istio-system~istio-system.svc.cluster.local',
        ...common(gatewayStatus, gatewaySize, outcome === 'ext_authz' ? 'UAEX' : '-'),
        upstream_cluster: 'outbound|9080||productpage.default.svc.cluster.local',
        ...(ray ? { 'cf.ray': `${ray}-FRA` } : {}),
        ...(subject && outcome !== 'gateway_authn' ? { 'enduser.id': subject } : {}),
      },
    };
    spans.push(gateway);
    const gatewayDeny = outcome === 'gateway_rbac' || outcome === 'gateway_authn' || outcome === 'ext_authz';
    const gatewayReason = { gateway_rbac: 'rbac', gateway_authn: 'authn', ext_authz: 'ext_authz' } as Record<string, string>;
    truth.decisions.set(`${traceId}|${gateway.spanId}`, gatewayDeny ? { decision: 'deny', reason: gatewayReason[outcome]! } : { decision: 'allow', reason: '' });
    if (!gatewayDeny) {
      let upstreamParent = gateway.spanId;
      if (istio === 128) {
        const router: AbstractSpan = {
          traceId,
          spanId: rng.hex(16),
          parentId: gateway.spanId,
          name: 'router outbound|9080||productpage.default.svc.cluster.local; egress',
          kind: 'Client',
          service: gatewayService,
          startNs: start + 1n * ms,
          durationNs: 10n * ms,
          resource: envoyResource,
          attributes: { ...common(gatewayStatus, gatewaySize), upstream_address: '10.244.1.12:9080' },
        };
        spans.push(router);
        upstreamParent = router.spanId;
      }
      const sidecarDeny = outcome === 'sidecar_rbac';
      const sidecar: AbstractSpan = {
        traceId,
        spanId: rng.hex(16),
        parentId: upstreamParent,
        name: 'productpage.default.svc.cluster.local:9080/api/v1/products*',
        kind: 'Server',
        service: 'productpage.default',
        startNs: start + 2n * ms,
        durationNs: 8n * ms,
        resource: envoyResource,
        attributes: {
          node_id: 'sidecar~10.244.1.12~productpage-v1-7d9c8b6f5-k2m4p.default~default.svc.cluster.local',
          ...common(gatewayStatus, gatewaySize),
          upstream_cluster: 'inbound|9080||',
          ...(subject ? { 'enduser.id': subject } : {}),
          ...(outcome === 'dry_run'
            ? { 'istio.authorization.dry_run.deny_policy.name': 'ns[default]-policy[deny-non-eu]-rule[0]', 'istio.authorization.dry_run.deny_policy.result': 'denied' }
            : {}),
        },
      };
      spans.push(sidecar);
      const policy = 'ns[default]-policy[productpage-viewers]-rule[0]';
      const key = `${traceId}|${sidecar.spanId}`;
      if (sidecarDeny) truth.decisions.set(key, { decision: 'deny', reason: 'rbac', ...(accessLog ? { policy } : {}) });
      else truth.decisions.set(key, { decision: 'allow', reason: '', ...(outcome === 'dry_run' ? { dryRun: 'deny' as const } : {}) });
      if (outcome === 'app_403') truth.appForbidden.add(key);
      if (sidecarDeny && accessLog) {
        logs.push([{ traceId, spanId: sidecar.spanId, startNs: sidecar.startNs, labels: { response_code: '403', response_code_details: `rbac_access_denied_matched_policy[${policy}]`, response_flags: '-', request_id: requestId, enduser_id: subject || '-', cf_ray: '-' } }]);
      }
    }
    meshSpans.push({ spans, zipkin });
    return { meshDenied: gatewayDeny || outcome === 'sidecar_rbac' };
  };

  const link = (edgeTrace: string, meshTrace: string, method: LinkMethod) => {
    truth.links.set(`${edgeTrace}|${meshTrace}`, method);
    if (method !== 'trace_id') truth.mismatches.add(`broken_propagation|${edgeTrace}|${meshTrace}`);
  };
  const pairMismatches = (edgeTrace: string, meshTrace: string, edgeDecision: string, meshDenied: boolean, edgeSubject: string, meshSubject: string) => {
    if (edgeDecision === 'allow' && meshDenied) truth.mismatches.add(`edge_allow_mesh_deny|${edgeTrace}|${meshTrace}`);
    if (edgeDecision === 'deny') truth.mismatches.add(`edge_deny_mesh_reached|${edgeTrace}|${meshTrace}`);
    if (edgeSubject && meshSubject && edgeSubject !== meshSubject) truth.mismatches.add(`identity_mismatch|${edgeTrace}|${meshTrace}`);
  };

  // The first uses of each signing key, so key age is defined by the traffic itself.
  for (const key of [keys.old, keys.current]) edge('seam_exporter', rng.hex(32), key.firstMs, `auth0|seed-${key.kid}`, 'deny', 'route_policy', key.kid, rng.hex(16), null);

  const weighted = <T>(table: [T, number][]): T => {
    let roll = rng.int(table.reduce((sum, [, w]) => sum + w, 0));
    for (const [item, weight] of table) if ((roll -= weight) < 0) return item;
    return table[0]![0];
  };

  for (let i = 0; i < options.requests; i++) {
    const t = options.startMs + i * 40 + rng.int(20);
    const scenario = weighted(scenarioWeights);
    const skew = rng.int(401) - 200;
    const subject = `auth0|user-${i}`;
    const kid = rng.chance(0.06) ? keys.old.kid : keys.current.kid;
    const istio = rng.chance(0.5) ? 127 : 128;
    const accessLog = rng.chance(0.5);
    const ray = rng.hex(16);
    const edgeTrace = rng.hex(32);
    switch (scenario) {
      case 'propagated':
      case 'ray':
      case 'request_id': {
        const failOpen = rng.chance(0.06);
        const edgeDecision = failOpen ? 'deny' : 'allow';
        const producer = weighted(producerWeights[scenario]);
        const requestId = rng.uuid();
        const ids = edge(producer, edgeTrace, t, subject, edgeDecision, failOpen ? 'jwt_expired' : '', kid, ray, requestId);
        const outcome = weighted(outcomeWeights);
        const meshSubject = rng.chance(0.06) ? `auth0|other-${i}` : subject;
        const meshTrace = scenario === 'propagated' ? edgeTrace : rng.hex(32);
        const zipkin = rng.chance(0.4);
        const { meshDenied } = mesh(meshTrace, scenario === 'propagated' ? ids.clientId : '', t + 3 + skew, outcome, meshSubject, scenario === 'request_id' ? '' : ray, scenario === 'request_id' ? requestId : rng.uuid(), istio, zipkin, accessLog);
        link(edgeTrace, meshTrace, scenario === 'propagated' ? 'trace_id' : scenario === 'ray' ? 'cf_ray' : 'request_id');
        pairMismatches(edgeTrace, meshTrace, edgeDecision, meshDenied, subject, outcome === 'gateway_authn' ? '' : meshSubject);
        break;
      }
      case 'identity': {
        // Neither trace context, ray id nor request id reaches the mesh: only the subject and the time.
        edge(weighted(producerWeights.identity), edgeTrace, t, subject, 'allow', '', kid, ray, rng.uuid());
        const outcome = weighted(outcomeWeights.filter(([o]) => o !== 'gateway_authn'));
        const meshTrace = rng.hex(32);
        const { meshDenied } = mesh(meshTrace, '', t + 3 + skew, outcome, subject, '', rng.uuid(), istio, rng.chance(0.4), accessLog);
        link(edgeTrace, meshTrace, 'identity_time');
        pairMismatches(edgeTrace, meshTrace, 'allow', meshDenied, subject, subject);
        break;
      }
      case 'ambiguous': {
        // Two edge requests of one subject inside the window, two mesh requests, nothing else to tell them apart.
        const shared = `auth0|shared-${i}`;
        truth.ambiguousPairs++;
        for (const offset of [0, 300]) {
          edge(weighted(producerWeights.any), rng.hex(32), t + offset, shared, 'allow', '', kid === keys.old.kid ? keys.current.kid : kid, rng.hex(16), rng.uuid());
          const meshTrace = rng.hex(32);
          mesh(meshTrace, '', t + offset + 3 + skew, 'allow', shared, '', rng.uuid(), istio, false, false);
          truth.mismatches.add(`mesh_without_edge|${meshTrace}|${meshTrace}`);
        }
        break;
      }
      case 'bypass': {
        const meshTrace = rng.hex(32);
        mesh(meshTrace, '', t, weighted(outcomeWeights), rng.chance(0.5) ? `auth0|bypass-${i}` : '', '', rng.uuid(), istio, rng.chance(0.4), accessLog);
        truth.mismatches.add(`mesh_without_edge|${meshTrace}|${meshTrace}`);
        break;
      }
      case 'edge_denied':
        edge(weighted(producerWeights.any), edgeTrace, t, subject, 'deny', rng.pick(['jwt_missing', 'jwt_invalid', 'jwt_expired', 'route_policy']), kid, ray, null);
        break;
      case 'internal': {
        // Sidecar-to-sidecar traffic inside the mesh: no gateway, so no mesh entry and nothing to link.
        const traceId = rng.hex(32);
        const span: AbstractSpan = {
          traceId,
          spanId: rng.hex(16),
          parentId: rng.hex(16),
          name: 'ratings.default.svc.cluster.local:9080/*',
          kind: 'Server',
          service: 'ratings.default',
          startNs: BigInt(t) * ms,
          durationNs: 3n * ms,
          resource: envoyResource,
          attributes: { node_id: 'sidecar~10.244.2.30~ratings-v1-5b7c9d8f6-q2w3e.default~default.svc.cluster.local', component: 'proxy', 'http.status_code': '200', response_size: '48', response_flags: '-', 'guid:x-request-id': rng.uuid() },
        };
        truth.decisions.set(`${traceId}|${span.spanId}`, { decision: 'allow', reason: '' });
        meshSpans.push({ spans: [span], zipkin: false });
        break;
      }
    }
  }

  return { batches: batch(rng, edgeParts, meshSpans, logs, options.perBatch ?? 40), truth };
}

function batch(
  rng: Random,
  edgeParts: { spans: AbstractSpan[]; late: boolean }[],
  meshSpans: { spans: AbstractSpan[]; zipkin: boolean }[],
  logs: Parameters<typeof toAccessLogJson>[0][],
  perBatch: number,
): Batch[] {
  const batches: Batch[] = [];
  for (const late of [false, true]) {
    const parts = edgeParts.filter((part) => part.late === late).map((part) => part.spans);
    for (let i = 0; i < parts.length; i += perBatch) batches.push({ receiver: 'otlp-json', body: toOtlpJson(parts.slice(i, i + perBatch).flat()), late });
  }
  const zipkin = meshSpans.filter((m) => m.zipkin).map((m) => m.spans);
  const otlp = meshSpans.filter((m) => !m.zipkin).map((m) => m.spans);
  for (let i = 0; i < zipkin.length; i += perBatch) {
    batches.push({ receiver: 'zipkin', body: toZipkinJson(zipkin.slice(i, i + perBatch).flat()), late: rng.chance(0.1) });
  }
  for (let i = 0; i < otlp.length; i += perBatch) {
    batches.push({ receiver: rng.chance(0.5) ? 'otlp-proto' : 'otlp-json', body: toOtlpJson(otlp.slice(i, i + perBatch).flat()), late: rng.chance(0.1) });
  }
  for (let i = 0; i < logs.length; i += perBatch) {
    batches.push({ receiver: 'logs', body: toAccessLogJson(logs.slice(i, i + perBatch).flat()), late: rng.chance(0.1) });
  }
  rng.shuffle(batches);
  // Exporters retry: a few batches arrive twice.
  const duplicates = batches.filter(() => rng.chance(0.02)).map((b) => ({ ...b }));
  return [...batches, ...duplicates];
}
