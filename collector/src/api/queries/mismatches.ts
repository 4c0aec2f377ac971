import type { Store } from '../../store/open.ts';
import { pageParams, paginate, windowParams, type Page, type Window } from '../params.ts';
import { toMismatch, type MismatchRecord, type MismatchRow } from './records.ts';
import { runSql, scopeParams, type Scope } from './run.ts';

export async function listMismatches(
  store: Store,
  window: Window,
  filter: { kind?: string | undefined },
  page: Page,
  scope: Scope,
): Promise<{ mismatches: MismatchRecord[]; nextCursor: string | null }> {
  const rows = await runSql<MismatchRow & { tieBreak: string }>(store, 'mismatches.sql', {
    ...windowParams(window),
    ...pageParams(page),
    ...scopeParams(scope),
    kind: filter.kind ?? '',
  });
  const { rows: kept, nextCursor } = paginate(rows, page, (row) => ({ ns: row.ts, k1: row.traceId, k2: row.tieBreak }));
  return { mismatches: kept.map(toMismatch), nextCursor };
}
