import type { Span } from '../model/span.ts';
import { firstOf } from './identity.ts';
import { isEdgeRequest, type Layer } from './layer.ts';
import type { EnrichOptions } from './options.ts';
import { readResponseCodeDetails } from './response-code-details.ts';

export type Evidence = 'explicit' | 'access_log' | 'span' | 'inferred';

export interface Decision {
  decision: '' | 'allow' | 'deny';
  reason: string;
  policy: string;
  evidence: Evidence | '';
  dryRunResult: '' | 'allow' | 'deny';
  dryRunPolicy: string;
}

const none: Decision = { decision: '', reason: '', policy: '', evidence: '', dryRunResult: '', dryRunPolicy: '' };

// Bodies of Envoy's jwt_authn local replies (jwt_verify_lib status texts), by length, for 401s seen only
// in spans. "Jwt is missing" is also 14 bytes, but Istio lets a missing token through (allow_missing).
const jwtBodies = new Map<number, string>([
  [14, 'Jwt_is_expired'],
  [20, 'Jwt_not_yet_valid'],
  [22, 'Jwt_verification_fails'],
  [27, 'Jwks_remote_fetch_is_failed'],
  [28, 'Jwt_issuer_is_not_configured'],
]);
const rbacBodyLength = '19'; // "RBAC: access denied"
const audienceBodyLength = '32'; // "Audiences in Jwt are not allowed"

/**
 * Whether this span is an authorization decision point, and what was decided there.
 * The edge states its decision (`seam.authz.*`). A mesh proxy's decision is read, strongest first, from
 * a `%RESPONSE_CODE_DETAILS%` tag, from the signature of a local reply (401/403 with the filter's
 * fixed body size and no upstream flag, or `UAEX`), and otherwise inferred as allow because the request
 * passed the proxy. An app's own 403 passes back through its sidecar with the app's body, so it is
 * not read as a mesh deny.
 */
export function readDecision(span: Span, layer: Layer, options: EnrichOptions): Decision {
  if (layer === 'edge') return isEdgeRequest(span, layer) ? edgeDecision(span) : none;
  if (!isMeshDecisionPoint(span, layer)) return none;
  const a = span.attributes;
  const dryRun = readDryRun(span);
  const details = readResponseCodeDetails(firstOf(a, options.detailsTags));
  if (details) return { ...details, evidence: 'access_log', ...dryRun };
  const status = a['http.status_code'] ?? '';
  const flags = a.response_flags ?? '';
  const size = a.response_size ?? '';
  if (flags.split(',').includes('UAEX')) return { decision: 'deny', reason: 'ext_authz', policy: '', evidence: 'span', ...dryRun };
  if (status === '403' && size === rbacBodyLength) return { decision: 'deny', reason: 'rbac', policy: '', evidence: 'span', ...dryRun };
  if (status === '403' && size === audienceBodyLength) {
    return { decision: 'deny', reason: 'authn', policy: 'Audiences_in_Jwt_are_not_allowed', evidence: 'span', ...dryRun };
  }
  if (status === '401' && jwtBodies.has(Number(size))) {
    return { decision: 'deny', reason: 'authn', policy: jwtBodies.get(Number(size))!, evidence: 'span', ...dryRun };
  }
  const grpcMessage = a['grpc.message'] ?? '';
  if (grpcMessage.startsWith('RBAC: access denied')) return { decision: 'deny', reason: 'rbac', policy: '', evidence: 'span', ...dryRun };
  if (a['grpc.status_code'] === '16' && grpcMessage.startsWith('Jwt')) {
    return { decision: 'deny', reason: 'authn', policy: grpcMessage.replace(/\s+/g, '_'), evidence: 'span', ...dryRun };
  }
  return { decision: 'allow', reason: '', policy: '', evidence: 'inferred', ...dryRun };
}

/**
 * Proxies decide on the way in: a sidecar's inbound (SERVER) span, a gateway's downstream span
 * (SERVER from Istio 1.28, a single CLIENT span before). The gateway's `router … egress` child and a
 * sidecar's outbound spans only forward.
 */
export function isMeshDecisionPoint(span: Span, layer: Layer): boolean {
  if (layer === 'sidecar') return span.kind === 'Server';
  if (layer === 'gateway') return span.kind === 'Server' || (span.kind === 'Client' && !span.name.startsWith('router '));
  return false;
}

function edgeDecision(span: Span): Decision {
  const a = span.attributes;
  const decision = a['seam.authz.decision'];
  if (decision !== 'allow' && decision !== 'deny') return none;
  return {
    decision,
    reason: a['seam.authz.reason'] ?? '',
    policy: a['seam.authz.policy'] ?? '',
    evidence: 'explicit',
    dryRunResult: '',
    dryRunPolicy: '',
  };
}

// Istio's dry-run (shadow) policy tags: what an `istio.io/dry-run` policy would have done.
const dryRunTags = ['deny_policy', 'allow_policy'].map((kind) => ({
  result: `istio.authorization.dry_run.${kind}.result`,
  name: `istio.authorization.dry_run.${kind}.name`,
}));
const noDryRun: Pick<Decision, 'dryRunResult' | 'dryRunPolicy'> = { dryRunResult: '', dryRunPolicy: '' };

function readDryRun(span: Span): Pick<Decision, 'dryRunResult' | 'dryRunPolicy'> {
  const a = span.attributes;
  for (const tag of dryRunTags) if (a[tag.result] === 'denied') return { dryRunResult: 'deny', dryRunPolicy: a[tag.name] ?? '' };
  for (const tag of dryRunTags) if (a[tag.result] === 'allowed') return { dryRunResult: 'allow', dryRunPolicy: a[tag.name] ?? '' };
  return noDryRun;
}
