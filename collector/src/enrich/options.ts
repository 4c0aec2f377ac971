/** Enrichment rules. The defaults fit Istio ≥1.9 proxies, Seam's worker exporter and Workers' built-in tracing. */
export interface EnrichOptions {
  /** Span tags where the mesh records the caller's subject (Telemetry custom tags fed by outputClaimToHeaders). */
  claimTags: string[];
  /** Span tags carrying mapped groups, edge or mesh (a JSON array or a comma-separated list). */
  groupTags: string[];
  /** Tags carrying the Cloudflare ray id (`<16 hex>` or `<16 hex>-<COLO>`). */
  rayTags: string[];
  /** Tags carrying the request id that the edge sets and the mesh keeps. */
  requestIdTags: string[];
  /** Span tags carrying `%RESPONSE_CODE_DETAILS%` (a Telemetry `formatter` custom tag, Istio 1.29+). */
  detailsTags: string[];
  /** `node_id` prefixes of gateway proxies and of sidecar (or waypoint) proxies. */
  gatewayNodePrefixes: string[];
  sidecarNodePrefixes: string[];
  /** Names whose values are always redacted, matched case-insensitively within an attribute key's last segment. */
  redactKeys: string[];
}

export const defaultEnrichOptions: EnrichOptions = {
  claimTags: ['enduser.id'],
  groupTags: ['seam.auth.groups', 'enduser.groups'],
  rayTags: ['cloudflare.ray_id', 'cf.ray', 'http.request.header.cf-ray'],
  requestIdTags: ['seam.request_id', 'guid:x-request-id', 'http.request.header.x-request-id'],
  detailsTags: ['response_code_details', 'authz.details'],
  gatewayNodePrefixes: ['router~'],
  sidecarNodePrefixes: ['sidecar~', 'waypoint~'],
  redactKeys: ['authorization', 'cookie', 'token', 'password', 'secret', 'x-api-key', 'x-seam-identity'],
};
