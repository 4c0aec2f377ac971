import { formatNs } from '../params.ts';

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

/**
 * The same decision as the SQL returns it: nanosecond time (`timeNs`, since the lowercase views keep
 * `ts` for the DateTime64 that filters and sorts), dry run in two columns.
 */
export type DecisionRow = Omit<DecisionRecord, 'timestamp' | 'dryRun'> & { timeNs: string; dryRunResult: string; dryRunPolicy: string };

export function toDecision(row: DecisionRow): DecisionRecord {
  return {
    timestamp: formatNs(row.timeNs),
    traceId: row.traceId,
    spanId: row.spanId,
    layer: row.layer,
    service: row.service,
    subject: row.subject,
    groups: [...row.groups].sort(),
    decision: row.decision,
    reason: row.reason,
    policy: row.policy,
    evidence: row.evidence,
    keyId: row.keyId,
    dryRun: row.dryRunResult ? { result: row.dryRunResult, policy: row.dryRunPolicy } : null,
  };
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

export type LinkRow = Omit<LinkRecord, 'timestamp'> & { timeNs: string };

export function toLink(row: LinkRow): LinkRecord {
  const { timeNs, ...rest } = row;
  return { timestamp: formatNs(timeNs), ...rest, confidence: Number(row.confidence) };
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

export interface MismatchRow {
  kind: string;
  timeNs: string;
  traceId: string;
  meshTraceId: string;
  subject: string;
  edgeDecision: string;
  edgeReason: string;
  meshDecision: string;
  meshReason: string;
  meshPolicy: string;
  edgeService: string;
  meshService: string;
  keyId: string;
  meshEvidence: string;
  meshSpanId: string;
  meshEntryService: string;
}

export function toMismatch(row: MismatchRow): MismatchRecord {
  return {
    kind: row.kind,
    timestamp: formatNs(row.timeNs),
    traceId: row.traceId,
    meshTraceId: row.meshTraceId,
    subject: row.subject,
    keyId: row.keyId,
    edge: row.edgeService || row.edgeDecision ? { decision: row.edgeDecision, reason: row.edgeReason, policy: '', service: row.edgeService } : null,
    mesh: row.meshTraceId
      ? { decision: row.meshDecision, reason: row.meshReason, policy: row.meshPolicy, service: row.meshService, evidence: row.meshEvidence, spanId: row.meshSpanId }
      : null,
    meshEntry: row.meshEntryService ? { service: row.meshEntryService } : null,
  };
}
