import type { Store } from '../../store/open.ts';
import { pageParams, paginate, windowParams, type Page, type Window } from '../params.ts';
import type { DecisionRecord } from '../shapes.ts';
import { toDecision, type DecisionRow } from './records.ts';
import { runSql, scopeParams, type Scope } from './run.ts';

/** One caller's decisions at the edge and in the mesh, oldest first (the order a story is read in). */
export async function identityTimeline(
  store: Store,
  subject: string,
  window: Window,
  page: Page,
  scope: Scope,
): Promise<{ subject: string; decisions: DecisionRecord[]; nextCursor: string | null }> {
  const rows = await runSql<DecisionRow>(store, 'timeline_decisions.sql', { ...windowParams(window), ...pageParams(page), ...scopeParams(scope), subject });
  const { rows: kept, nextCursor } = paginate(rows, page, (row) => ({ ns: row.timeNs, k1: row.traceId, k2: row.spanId }));
  return { subject, decisions: kept.map(toDecision), nextCursor };
}
