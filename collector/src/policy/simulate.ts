import { evaluateRoute, type RoutePolicy } from '@seam/worker-exporter/rules';
import { evaluateAuthorization, type AuthorizationPolicy, type Fact, type MeshRequest } from './istio/authorization.ts';

/**
 * Policy impact: re-decides recorded requests under proposed policies and reports those whose decision
 * would change. The baseline is what each decision point recorded, so re-simulating the policies in
 * force flips nothing, and a decision a proposal cannot touch (an authentication failure, a public path)
 * keeps its recorded value.
 */

/**
 * Recorded decision points of one shape, as `queries/policy/requests.sql` returns them: everything a
 * policy can match on, how many points had it, and some of those points.
 */
export interface RecordedShape {
  layer: string;
  service: string;
  decision: string;
  reason: string;
  /** For mesh points: whether an edge request is linked, whose asserted identity they carry. */
  linked: number;
  /**
   * For mesh points (a request principal names it): the subject, '*' for a subject left out of the shape
   * because no proposed policy names one (subject-dependence.ts), '' for none; always '' for edge points.
   */
  subject: string;
  edgeIssuer: string;
  mappingVersion: string;
  groups: string[];
  method: string;
  host: string;
  path: string;
  inboundPort: string;
  namespace: string;
  canonicalService: string;
  canonicalRevision: string;
  userAgent: string;
  /** For a sidecar point: the namespace of the proxy that called it ('' when no such span is recorded). */
  sourceNamespace: string;
  count: number;
  samples: Sample[];
}

/** One recorded point of a shape: [time in epoch ns, trace id, span id, subject]. */
export type Sample = [string, string, string, string];

export interface Proposal {
  /** The Worker's route policy as proposed; edge points are re-evaluated only when given. */
  routes?: RoutePolicy | undefined;
  /** The complete set of AuthorizationPolicies as proposed; mesh points are re-evaluated only when given. */
  authz?: AuthorizationPolicy[] | undefined;
  /** Istio's root namespace (meshConfig.rootNamespace). */
  rootNamespace?: string | undefined;
  /** `iss` of the edge's identity assertion, which the mesh's RequestAuthentication verifies. */
  assertionIssuer?: string | undefined;
  /** Labels of workloads, by service as Seam names it (`<canonical service>.<namespace>`). */
  workloadLabels?: Record<string, Record<string, string>> | undefined;
}

export interface Flip {
  timeNs: string;
  traceId: string;
  spanId: string;
  layer: string;
  service: string;
  subject: string;
  groups: string[];
  method: string;
  path: string;
  from: 'allow' | 'deny';
  to: 'allow' | 'deny';
  /** The rule that decides under the proposal. */
  rule: string;
}

export interface Undecidable {
  timeNs: string;
  traceId: string;
  spanId: string;
  layer: string;
  service: string;
  reason: string;
}

export interface RuleCount {
  layer: string;
  rule: string;
  from: 'allow' | 'deny';
  to: 'allow' | 'deny';
  count: number;
  sampleTraceIds: string[];
}

export interface GroupCount {
  group: string;
  allowToDeny: number;
  denyToAllow: number;
}

export interface SimulationResult {
  /** Decision points the proposal governs, re-evaluated. */
  evaluated: number;
  /** Decision points in the window the proposal cannot change (authentication failures, public paths, layers it does not cover). */
  untouched: number;
  flipCount: number;
  /** At most the limit of the flips, in time order. */
  flips: Flip[];
  byRule: RuleCount[];
  byGroup: GroupCount[];
  undecidableCount: number;
  undecidable: Undecidable[];
  undecidableByReason: { reason: string; count: number }[];
}

const sampleCount = 5;
// Authentication decides before the route policy, and a public path skips both.
const edgeUntouchable = new Set(['public_path', 'jwt_missing', 'jwt_invalid', 'jwt_expired', 'jwt_issuer', 'jwt_audience', 'jwks_unavailable']);
const routeReasons = new Set(['route_policy', 'route_default', 'authenticated', '']);

/** Accumulates a simulation over recorded shapes, in any order. */
export class Simulation {
  private evaluated = 0;
  private untouched = 0;
  private flipCount = 0;
  private readonly flips: Flip[] = [];
  private readonly rules = new Map<string, RuleCount>();
  private readonly groups = new Map<string, GroupCount>();
  private undecidableCount = 0;
  private readonly undecidable: Undecidable[] = [];
  private readonly undecidableReasons = new Map<string, number>();

  constructor(
    private readonly proposal: Proposal,
    private readonly limit: number,
  ) {}

  /**
   * Counts every point of a shape and lists its samples. For a shape that flips or cannot be decided,
   * returns what lists more of its points: a shape read without samples gets them afterwards.
   */
  add(shape: RecordedShape): ((samples: Sample[]) => void) | undefined {
    if (shape.decision !== 'allow' && shape.decision !== 'deny') {
      this.untouched += shape.count;
      return undefined;
    }
    const verdict = shape.layer === 'edge' ? this.edge(shape) : this.mesh(shape);
    if (verdict === undefined) {
      this.untouched += shape.count;
      return undefined;
    }
    this.evaluated += shape.count;
    if (verdict.decision === 'undecidable') {
      this.undecidableCount += shape.count;
      this.undecidableReasons.set(verdict.reason, (this.undecidableReasons.get(verdict.reason) ?? 0) + shape.count);
      const list = (samples: Sample[]) => {
        for (const [timeNs, traceId, spanId] of samples.slice(0, this.limit - this.undecidable.length)) {
          this.undecidable.push({ timeNs, traceId, spanId, layer: shape.layer, service: shape.service, reason: verdict.reason });
        }
      };
      list(shape.samples);
      return list;
    }
    if (verdict.decision === shape.decision) return undefined;
    const from = shape.decision;
    const to = verdict.decision;
    this.flipCount += shape.count;
    const key = `${shape.layer}\u0000${verdict.rule}\u0000${to}`;
    const rule = this.rules.get(key) ?? { layer: shape.layer, rule: verdict.rule, from, to, count: 0, sampleTraceIds: [] };
    rule.count += shape.count;
    this.rules.set(key, rule);
    for (const name of shape.groups.length > 0 ? shape.groups : ['(none)']) {
      const group = this.groups.get(name) ?? { group: name, allowToDeny: 0, denyToAllow: 0 };
      if (to === 'deny') group.allowToDeny += shape.count;
      else group.denyToAllow += shape.count;
      this.groups.set(name, group);
    }
    const list = (samples: Sample[]) => {
      for (const [timeNs, traceId, spanId, subject] of samples.slice(0, this.limit - this.flips.length)) {
        this.flips.push({ timeNs, traceId, spanId, layer: shape.layer, service: shape.service, subject, groups: shape.groups, method: shape.method, path: shape.path, from, to, rule: verdict.rule });
      }
      for (const [, traceId] of samples) {
        if (rule.sampleTraceIds.length >= sampleCount) break;
        if (!rule.sampleTraceIds.includes(traceId)) rule.sampleTraceIds.push(traceId);
      }
    };
    list(shape.samples);
    return list;
  }

  result(): SimulationResult {
    return {
      evaluated: this.evaluated,
      untouched: this.untouched,
      flipCount: this.flipCount,
      flips: this.flips.sort(byTime),
      byRule: [...this.rules.values()].sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule)),
      byGroup: [...this.groups.values()].sort((a, b) => b.allowToDeny + b.denyToAllow - (a.allowToDeny + a.denyToAllow) || a.group.localeCompare(b.group)),
      undecidableCount: this.undecidableCount,
      undecidable: this.undecidable.sort(byTime),
      undecidableByReason: [...this.undecidableReasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
    };
  }

  private edge(point: RecordedShape): Verdict | undefined {
    const routes = this.proposal.routes;
    if (!routes || edgeUntouchable.has(point.reason)) return undefined;
    if (!routeReasons.has(point.reason) || (point.reason === '' && point.decision === 'deny')) {
      return { decision: 'undecidable', rule: '', reason: `the edge recorded a deny with reason "${point.reason}", which is not the route policy's` };
    }
    if (point.method === '' || point.path === '') return { decision: 'undecidable', rule: '', reason: 'the edge span records no HTTP method or URL path' };
    const decided = evaluateRoute(routes, point.method, point.path, point.groups);
    return { decision: decided.decision, rule: decided.policy };
  }

  private mesh(point: RecordedShape): Verdict | undefined {
    const policies = this.proposal.authz;
    if (!policies || (point.layer !== 'gateway' && point.layer !== 'sidecar')) return undefined;
    // RequestAuthentication rejects a bad token before any AuthorizationPolicy is consulted.
    if (point.reason === 'authn') return undefined;
    if (point.namespace === '') return { decision: 'undecidable', rule: '', reason: 'the span records no namespace for the deciding workload' };
    const verdict = evaluateAuthorization(policies, meshRequest(point, this.proposal), {
      rootNamespace: this.proposal.rootNamespace ?? 'istio-system',
      customDenied: point.reason === 'ext_authz',
    });
    return verdict.decision === 'undecidable' ? { decision: 'undecidable', rule: '', reason: verdict.reason ?? 'undecidable' } : { decision: verdict.decision, rule: verdict.rule };
  }
}

const byTime = (a: { timeNs: string }, b: { timeNs: string }) => (BigInt(a.timeNs) < BigInt(b.timeNs) ? -1 : BigInt(a.timeNs) > BigInt(b.timeNs) ? 1 : 0);

type Verdict = { decision: 'allow' | 'deny'; rule: string } | { decision: 'undecidable'; rule: ''; reason: string };

const known = (value: string): Fact => ({ values: value === '' ? [] : [value] });
const unknown = (why: string): Fact => ({ unknown: why });
const serviceLabels = ['app', 'app.kubernetes.io/name', 'service.istio.io/canonical-name'];
const revisionLabels = ['version', 'app.kubernetes.io/version', 'service.istio.io/canonical-revision'];

/** What the recorded point tells Istio's matchers, and, for the rest, why it cannot. */
export function meshRequest(point: RecordedShape, proposal: Proposal): MeshRequest {
  const gateway = point.layer === 'gateway';
  const labels = proposal.workloadLabels?.[point.service];
  const linked = point.linked === 1;
  const subject = point.subject;
  const principal: Fact =
    subject === ''
      ? unknown('no subject is recorded for the request, so whether it carried a verified JWT is unknown')
      : proposal.assertionIssuer
        ? known(`${proposal.assertionIssuer}/${subject}`)
        : unknown('the request principal needs the assertion issuer (--assertion-issuer)');
  return {
    namespace: point.namespace,
    label(key) {
      if (labels) return known(labels[key] ?? '');
      if (serviceLabels.includes(key) && point.canonicalService !== '') return known(point.canonicalService);
      // Istio names the revision "latest" when the workload has no version label.
      if (revisionLabels.includes(key) && point.canonicalRevision !== '') return known(point.canonicalRevision === 'latest' ? '' : point.canonicalRevision);
      return unknown(`workload label "${key}" of ${point.service} is not recorded; give the workload's labels (--workloads)`);
    },
    host: point.host === '' ? unknown('the span records no host') : known(point.host),
    method: point.method === '' ? unknown('the span records no HTTP method') : known(point.method),
    path: point.path === '' ? unknown('the span records no URL path') : known(point.path),
    port: point.inboundPort !== '' ? known(point.inboundPort) : unknown(gateway ? "the gateway's listening port is not recorded" : 'the span records no inbound port'),
    requestPrincipal: 'unknown' in principal && subject !== '' ? { unknown: principal.unknown, endsWith: `/${subject}` } : principal,
    // The ingress gateway's callers come from outside the mesh, without an Istio peer certificate.
    sourcePrincipal: gateway ? known('') : unknown("the caller's mTLS identity is not recorded in spans"),
    sourceNamespace: gateway ? known('') : point.sourceNamespace !== '' ? known(point.sourceNamespace) : unknown("the caller's namespace is not recorded (no span of a calling proxy)"),
    sourceIp: unknown('source IPs are not evaluated'),
    remoteIp: unknown('remote IPs are not evaluated'),
    claim(path) {
      if (path.length !== 1) return unknown(`claim ${path.join('.')} is not recorded`);
      if (!linked && point.layer !== 'edge') return unknown('no edge request is linked to this mesh request, so its asserted claims are unknown');
      switch (path[0]) {
        case 'groups':
          return { values: point.groups };
        case 'sub':
          return known(subject);
        case 'orig_iss':
          return known(point.edgeIssuer);
        case 'mapping_version':
          return known(point.mappingVersion);
        case 'iss':
          return proposal.assertionIssuer ? known(proposal.assertionIssuer) : unknown('claim iss needs the assertion issuer (--assertion-issuer)');
        default:
          return unknown(`claim ${path[0]} is not recorded (Seam records the asserted groups, sub, orig_iss and mapping_version)`);
      }
    },
    header(name) {
      if (name === 'user-agent' && point.userAgent !== '') return known(point.userAgent);
      return unknown(`header ${name} is not recorded`);
    },
  };
}
