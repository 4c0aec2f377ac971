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
 * the edge's SERVER span (ray id), its CLIENT span into the mesh (request id, subject and time), and
 * the mesh's entry span at the gateway (ray id and request id tags, subject).
 */
export function readJoinKeys(span: Span, layer: Layer, options: EnrichOptions): JoinKeys {
  const a = span.attributes;
  let role: JoinRole = '';
  if (isEdgeRequest(span, layer)) role = 'edge_request';
  else if (layer === 'edge' && span.kind === 'Client' && a['seam.request_id'] !== undefined) role = 'edge_subrequest';
  else if (layer === 'gateway' && isMeshDecisionPoint(span, layer)) role = 'mesh_entry';
  return {
    role,
    rayId: normalizeRayId(firstOf(a, options.rayTags)),
    requestId: firstOf(a, options.requestIdTags).toLowerCase(),
  };
}

/**
 * Cloudflare's `cf-ray` header is `<16 hex>-<COLO>`; Workers' built-in spans may carry the id with or
 * without the colo suffix. The hex part alone identifies the request.
 */
export function normalizeRayId(value: string): string {
  const match = /^([0-9a-fA-F]{16})(?:-[A-Za-z0-9]+)?$/.exec(value.trim());
  return match ? match[1]!.toLowerCase() : '';
}
