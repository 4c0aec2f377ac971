import type { Store } from '../../store/open.ts';
import { pageParams, paginate, windowParams, type Page, type Window } from '../params.ts';
import type { DecisionRecord } from '../shapes.ts';
import { toDecision, type DecisionRow } from './records.ts';
import { runSql, scopeParams, type Scope } from './run.ts';

export interface DecisionFilter {
  subject?: string | undefined;
  layer?: string | undefined;
  decision?: string | undefined;
  reason?: string | undefined;
  service?: string | undefined;
}

export async function listDecisions(
  store: Store,
  window: Window,
  filter: DecisionFilter,
  page: Page,
  scope: Scope,
): Promise<{ decisions: DecisionRecord[]; nextCursor: string | null }> {
  const rows = await runSql<DecisionRow>(store, 'decisions.sql', {
    ...windowParams(window),
    ...pageParams(page),
    ...scopeParams(scope),
    subject: filter.subject ?? '',
    layer: filter.layer ?? '',
    decision: filter.decision ?? '',
    reason: filter.reason ?? '',
    service: filter.service ?? '',
  });
  const { rows: kept, nextCursor } = paginate(rows, page, (row) => ({ ns: row.timeNs, k1: row.traceId, k2: row.spanId }));
  return { decisions: kept.map(toDecision), nextCursor };
}
