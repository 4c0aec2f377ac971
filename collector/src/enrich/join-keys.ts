import type { Span } from '../model/span.ts';
import { firstOf } from './identity.ts';
import { isEdgeRequest, type Layer } from './layer.ts';
import { isMeshDecisionPoint } from './decision.ts';
import type { EnrichOptions } from './options.ts';

export type JoinRole = '' | 'edge_request' | 'edge_subrequest' | 'mesh_entry';

export interface JoinKeys {
  role: JoinRole;
  rayId: string;
  requestId: string;
}

/**
 * The keys that tie an edge request to the mesh request it caused when their trace ids differ:
 * the edge's SERVER span (ray id, subject), each of its subrequests (request id when it sets one; time,
 * and the request's subject, joined when read), and the mesh's entry span at the gateway (ray id and
 * request id tags, subject). Any edge subrequest may be the one into the mesh: only the mesh side says.
 */
export function readJoinKeys(span: Span, layer: Layer, options: EnrichOptions): JoinKeys {
  const a = span.attributes;
  let role: JoinRole = '';
  if (isEdgeRequest(span, layer)) role = 'edge_request';
  else if (layer === 'edge' && isSubrequest(span)) role = 'edge_subrequest';
  else if (layer === 'gateway' && isMeshDecisionPoint(span, layer)) role = 'mesh_entry';
  return {
    role,
    rayId: normalizeRayId(firstOf(a, options.rayTags)),
    requestId: firstOf(a, options.requestIdTags).toLowerCase(),
  };
}

/**
 * An outgoing call: a CLIENT span, or, from producers that leave the kind unspecified (Workers' built-in
 * tracing), a child span that names the URL it fetched.
 */
function isSubrequest(span: Span): boolean {
  if (span.kind === 'Client') return true;
  return (span.kind === 'Unspecified' || span.kind === 'Internal') && span.parentSpanId !== '' && (span.attributes['url.full'] ?? span.attributes['http.url']) !== undefined;
}

/**
 * Cloudflare's `cf-ray` header is `<16 hex>-<COLO>`; Workers' built-in spans may carry the id with or
 * without the colo suffix. The hex part alone identifies the request.
 */
export function normalizeRayId(value: string): string {
  if (value === '') return '';
  const match = /^([0-9a-fA-F]{16})(?:-[A-Za-z0-9]+)?$/.exec(value.trim());
  return match ? match[1]!.toLowerCase() : '';
}
