import { formatNs } from '../params.ts';
import type { DecisionRecord, LinkRecord, MismatchRecord } from '../shapes.ts';

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

export type LinkRow = Omit<LinkRecord, 'timestamp'> & { timeNs: string };

export function toLink(row: LinkRow): LinkRecord {
  const { timeNs, ...rest } = row;
  return { timestamp: formatNs(timeNs), ...rest, confidence: Number(row.confidence) };
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
