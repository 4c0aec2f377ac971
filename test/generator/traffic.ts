import type { AbstractSpan } from './encode.ts';
import { toAccessLogJson, toOtlpJson, toZipkinJson } from './encode.ts';
import { Random } from './random.ts';

/**
 * Deterministic mixed traffic between a Cloudflare Worker and an Istio mesh, with the correlation a
 * correct Seam must find. Edge spans are shaped as the worker exporter and Workers' built-in tracing
 * emit them; mesh spans as Istio's Envoy sends them over OTLP (W3C) and Zipkin (B3), for Istio ≤1.27
 * (one CLIENT gateway span) and ≥1.28 (SERVER + `router … egress` CLIENT), with and without access logs.
 */
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
type Scenario = 'propagated' | 'builtin_ray' | 'request_id' | 'identity' | 'ambiguous' | 'bypass' | 'edge_denied' | 'internal';

const scenarioWeights: [Scenario, number][] = [
  ['propagated', 34],
  ['builtin_ray', 14],
  ['request_id', 12],
  ['identity', 12],
  ['ambiguous', 3],
  ['bypass', 8],
  ['edge_denied', 10],
  ['internal', 7],
];
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
const envoyResource = { 'telemetry.sdk.name': 'envoy', 'telemetry.sdk.language': 'cpp' };
const keyRotationMs = 24 * 3600 * 1000;

export function generateTraffic(options: TrafficOptions): { batches: Batch[]; truth: Truth } {
  const rng = new Random(options.seed);
  const truth: Truth = { links: new Map(), mismatches: new Set(), decisions: new Map(), appForbidden: new Set(), edgeRequests: 0, meshRequests: 0, ambiguousPairs: 0 };
  const edgeSpans: AbstractSpan[][] = [];
  const meshSpans: { spans: AbstractSpan[]; zipkin: boolean }[] = [];
  const logs: Parameters<typeof toAccessLogJson>[0][] = [];
  const keys = { old: { kid: 'edge-2026-old', firstMs: options.startMs - 30 * 3600 * 1000 }, current: { kid: 'edge-2026-new', firstMs: options.startMs } };

  const edge = (traceId: string, startMs: number, subject: string, decision: 'allow' | 'deny', reason: string, kid: string, ray: string, requestId: string | null, builtin: boolean) => {
    const serverId = rng.hex(16);
    const start = BigInt(startMs) * ms;
    const server: AbstractSpan = {
      traceId,
      spanId: serverId,
      parentId: '',
      name: builtin ? 'fetch' : 'GET /api/v1/products',
      // Cloudflare does not document the kind of its built-in root span: both must work.
      kind: builtin && rng.chance(0.5) ? 'Internal' : 'Server',
      service: 'edge-gateway',
      startNs: start,
      durationNs: 30n * ms,
      resource: builtin ? { 'cloudflare.script_name': 'edge-gateway' } : workerResource,
      attributes: {
        'http.request.method': 'GET',
        'url.path': '/api/v1/products/0/reviews',
        ...(builtin ? { 'cloudflare.ray_id': ray, 'faas.trigger': 'http', 'cloudflare.colo': 'FRA' } : { 'cloudflare.ray_id': `${ray}-FRA` }),
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
    truth.edgeRequests++;
    const spans = [server];
    let client: AbstractSpan | undefined;
    if (requestId !== null) {
      client = {
        traceId,
        spanId: rng.hex(16),
        parentId: serverId,
        name: 'fetch GET',
        kind: 'Client',
        service: 'edge-gateway',
        startNs: start + 2n * ms,
        durationNs: 20n * ms,
        resource: server.resource,
        attributes: builtin ? { 'url.full': 'https://mesh.example.com/api/v1/products/0/reviews' } : { 'seam.request_id': requestId, 'enduser.id': subject, 'http.request.method': 'GET' },
      };
      spans.push(client);
    }
    edgeSpans.push(spans);
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
  for (const key of [keys.old, keys.current]) edge(rng.hex(32), key.firstMs, `auth0|seed-${key.kid}`, 'deny', 'route_policy', key.kid, rng.hex(16), null, false);

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
      case 'builtin_ray':
      case 'request_id': {
        const failOpen = rng.chance(0.06);
        const edgeDecision = failOpen ? 'deny' : 'allow';
        const builtin = scenario === 'builtin_ray';
        const requestId = rng.uuid();
        const ids = edge(edgeTrace, t, subject, edgeDecision, failOpen ? 'jwt_expired' : '', kid, ray, builtin ? '' : requestId, builtin);
        const outcome = weighted(outcomeWeights);
        const meshSubject = rng.chance(0.06) ? `auth0|other-${i}` : subject;
        const meshTrace = scenario === 'propagated' ? edgeTrace : rng.hex(32);
        const zipkin = rng.chance(0.4);
        const { meshDenied } = mesh(meshTrace, scenario === 'propagated' ? ids.clientId : '', t + 3 + skew, outcome, meshSubject, scenario === 'request_id' ? '' : ray, scenario === 'request_id' ? requestId : rng.uuid(), istio, zipkin, accessLog);
        link(edgeTrace, meshTrace, scenario === 'propagated' ? 'trace_id' : scenario === 'builtin_ray' ? 'cf_ray' : 'request_id');
        pairMismatches(edgeTrace, meshTrace, edgeDecision, meshDenied, subject, outcome === 'gateway_authn' ? '' : meshSubject);
        break;
      }
      case 'identity': {
        const ids = edge(edgeTrace, t, subject, 'allow', '', kid, ray, rng.uuid(), false);
        void ids;
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
          edge(rng.hex(32), t + offset, shared, 'allow', '', kid === keys.old.kid ? keys.current.kid : kid, rng.hex(16), rng.uuid(), false);
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
        edge(edgeTrace, t, subject, 'deny', rng.pick(['jwt_missing', 'jwt_invalid', 'jwt_expired', 'route_policy']), kid, ray, null, false);
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

  return { batches: batch(rng, edgeSpans, meshSpans, logs, options.perBatch ?? 40), truth };
}

function batch(
  rng: Random,
  edgeSpans: AbstractSpan[][],
  meshSpans: { spans: AbstractSpan[]; zipkin: boolean }[],
  logs: Parameters<typeof toAccessLogJson>[0][],
  perBatch: number,
): Batch[] {
  const batches: Batch[] = [];
  for (let i = 0; i < edgeSpans.length; i += perBatch) {
    batches.push({ receiver: 'otlp-json', body: toOtlpJson(edgeSpans.slice(i, i + perBatch).flat()), late: false });
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
