/**
 * What the query API returns, record by record (DESIGN.md "Response shapes"). Plain types without
 * imports, so the web console reads the same definitions the collector answers with.
 */

/** A decision point as the API returns it (DESIGN.md "Response shapes"). */
export interface DecisionRecord {
  timestamp: string;
  traceId: string;
  spanId: string;
  layer: string;
  service: string;
  subject: string;
  groups: string[];
  decision: string;
  reason: string;
  policy: string;
  evidence: string;
  keyId: string;
  dryRun: { result: string; policy: string } | null;
}

export interface LinkRecord {
  timestamp: string;
  edgeTraceId: string;
  meshTraceId: string;
  method: string;
  confidence: number;
  edgeService: string;
  meshService: string;
  subject: string;
}

/** One side's view in a mismatch; null where that side never saw the request. */
export interface SideView {
  decision: string;
  reason: string;
  policy: string;
  service: string;
}

/**
 * The mesh's view names the workload whose decision the mismatch is about (for a deny, the deepest
 * proxy that refused the request itself), the evidence for it and its decision point's span.
 */
export interface MeshView extends SideView {
  evidence: string;
  spanId: string;
}

export interface MismatchRecord {
  kind: string;
  timestamp: string;
  traceId: string;
  meshTraceId: string;
  subject: string;
  keyId: string;
  edge: SideView | null;
  mesh: MeshView | null;
  /** Where the request entered the mesh (the ingress gateway), which may differ from who decided. */
  meshEntry: { service: string } | null;
}

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  layer: string;
  service: string;
  name: string;
  kind: string;
  start: string;
  durationNs: number;
  status: string;
  statusMessage: string;
  httpStatus: number;
  /** Nesting below the root of its trace, for readers that draw the tree from the flat list. */
  depth: number;
  attributes: Record<string, string>;
}

export interface TraceDocument {
  traceId: string;
  summary: string;
  spans: SpanRecord[];
  layers: { layer: string; spanIds: string[] }[];
  decisions: DecisionRecord[];
  links: LinkRecord[];
  mismatches: MismatchRecord[];
}

export interface TraceListItem {
  traceId: string;
  start: string;
  durationNs: number;
  spanCount: number;
  errorCount: number;
  layers: string[];
  services: string[];
  subjects: string[];
  edge: { service: string; subject: string; decision: string; reason: string } | null;
  meshService: string;
  meshDenied: boolean;
}

export interface KeyRecord {
  keyId: string;
  issuer: string;
  firstSeen: string;
  lastSeen: string;
  /** How old the key was at its last use. */
  ageSeconds: number;
  requests: number;
  /** Edge requests signed with the key after its rotation window had passed. */
  requestsPastRotation: number;
  pastRotation: boolean;
}
