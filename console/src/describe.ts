// Decisions and mismatches in words, as an incident responder would say them.
import type { Decision, Link, Mismatch, Side } from './api.ts';

const reasonWords: Record<string, string> = {
  rbac: 'RBAC',
  authn: 'authentication failed',
  ext_authz: 'external authorization',
  jwt_missing: 'no token',
  jwt_invalid: 'invalid token',
  jwt_expired: 'expired token',
  route_policy: 'route policy',
};

/** `RBAC policy ns[default]-policy[viewers]-rule[0]`, or the bare reason when no policy is known. */
export function because(side: Pick<Side, 'reason' | 'policy'>): string {
  const reason = reasonWords[side.reason] ?? side.reason;
  if (side.policy) return reason ? `${reason} policy ${side.policy}` : `policy ${side.policy}`;
  return reason || 'no reason recorded';
}

function meshPlace(service: string, layer: string | undefined): string {
  if (layer === 'sidecar') return `the sidecar of ${service}`;
  if (layer === 'gateway') return `the gateway ${service}`;
  return `the mesh at ${service}`;
}

const past = (decision: string) => (decision === 'deny' ? 'denied' : decision === 'allow' ? 'allowed' : decision);

/**
 * One sentence per mismatch. `layerOf` names the layer of a mesh service when the caller knows the
 * request's decisions; `link` says how the halves were joined.
 */
export function describeMismatch(mismatch: Mismatch, layerOf: (service: string) => string | undefined = () => undefined, link?: Link): string {
  const who = mismatch.subject || 'an anonymous caller';
  const { edge, mesh } = mismatch;
  switch (mismatch.kind) {
    case 'edge_allow_mesh_deny':
      return `the edge allowed ${who}; ${meshPlace(mesh?.service ?? '?', layerOf(mesh?.service ?? ''))} denied: ${mesh ? because(mesh) : 'no reason recorded'}`;
    case 'edge_deny_mesh_reached':
      return `the edge denied ${who} (${edge ? because(edge) : 'no reason recorded'}), yet the request reached ${meshPlace(mesh?.service ?? '?', layerOf(mesh?.service ?? ''))}`;
    case 'mesh_without_edge':
      return `${meshPlace(mesh?.service ?? '?', layerOf(mesh?.service ?? ''))} served ${who} with no edge request behind it: the call bypassed the edge`;
    case 'identity_mismatch':
      return `the edge and ${meshPlace(mesh?.service ?? '?', layerOf(mesh?.service ?? ''))} saw different identities for one request (edge: ${who})`;
    case 'broken_propagation':
      return link
        ? `the trace id did not cross the edge → mesh boundary; edge trace ${mismatch.traceId} and mesh trace ${mismatch.meshTraceId} were joined by ${link.method} (confidence ${link.confidence})`
        : `the trace id did not cross the edge → mesh boundary; its halves (edge ${mismatch.traceId.slice(0, 8)}…, mesh ${mismatch.meshTraceId.slice(0, 8)}…) were joined by a fallback`;
    case 'stale_key':
      return `the edge accepted a token for ${who} signed with key ${mismatch.keyId || '?'}, past the rotation window`;
    default:
      return `${mismatch.kind}: edge ${edge ? past(edge.decision) : 'absent'}, mesh ${mesh ? past(mesh.decision) : 'absent'}`;
  }
}

/** `deny · RBAC policy … · access_log`, for a decision mark on the waterfall. */
export function describeDecision(decision: Decision): string {
  const parts = [past(decision.decision)];
  if (decision.decision === 'deny' || decision.reason || decision.policy) parts.push(because(decision));
  parts.push(`evidence: ${decision.evidence}`);
  if (decision.dryRun) parts.push(`dry run would ${decision.dryRun.result === 'denied' ? 'deny' : decision.dryRun.result} (${decision.dryRun.policy})`);
  return parts.join(' · ');
}
