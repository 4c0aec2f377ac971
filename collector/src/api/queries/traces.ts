import type { Store } from '../../store/open.ts';
import { formatNs, pageParams, paginate, windowParams, type Page, type Window } from '../params.ts';
import type { TraceListItem } from '../shapes.ts';
import { runSql, scopeParams, type Scope } from './run.ts';

export interface TraceFilter {
  subject?: string | undefined;
  service?: string | undefined;
  decision?: string | undefined;
  mismatch?: string | undefined;
  rayId?: string | undefined;
  requestId?: string | undefined;
}

interface TraceRow {
  traceId: string;
  ts: string;
  endNs: string;
  spanCount: string | number;
  errorCount: string | number;
  layers: string[];
  services: string[];
  subjects: string[];
  edgeService: string;
  edgeSubject: string;
  edgeDecision: string;
  edgeReason: string;
  meshService: string;
  meshDenied: number;
}

export async function searchTraces(
  store: Store,
  window: Window,
  filter: TraceFilter,
  page: Page,
  scope: Scope,
): Promise<{ traces: TraceListItem[]; nextCursor: string | null }> {
  const rows = await runSql<TraceRow>(store, 'traces.sql', {
    ...windowParams(window),
    ...pageParams(page),
    ...scopeParams(scope),
    subject: filter.subject ?? '',
    service: filter.service ?? '',
    decision: filter.decision ?? '',
    mismatch: filter.mismatch ?? '',
    rayId: filter.rayId ?? '',
    requestId: filter.requestId ?? '',
  });
  const { rows: kept, nextCursor } = paginate(rows, page, (row) => ({ ns: row.ts, k1: row.traceId, k2: '' }));
  return {
    traces: kept.map((row) => ({
      traceId: row.traceId,
      start: formatNs(row.ts),
      durationNs: Math.max(0, Number(BigInt(row.endNs) - BigInt(row.ts))),
      spanCount: Number(row.spanCount),
      errorCount: Number(row.errorCount),
      layers: [...row.layers].sort(),
      services: [...row.services].sort(),
      subjects: [...row.subjects].sort(),
      edge: row.edgeService ? { service: row.edgeService, subject: row.edgeSubject, decision: row.edgeDecision, reason: row.edgeReason } : null,
      meshService: row.meshService,
      meshDenied: row.meshDenied === 1,
    })),
    nextCursor,
  };
}
