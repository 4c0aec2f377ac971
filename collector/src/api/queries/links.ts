import type { Store } from '../../store/open.ts';
import { pageParams, paginate, windowParams, type Page, type Window } from '../params.ts';
import type { LinkRecord } from '../shapes.ts';
import { toLink, type LinkRow } from './records.ts';
import { runSql, scopeParams, type Scope } from './run.ts';

/** Links of edge requests started in the window; without `method`, only fallback (non-trace-id) links. */
export async function listLinks(
  store: Store,
  window: Window,
  filter: { method?: string | undefined },
  page: Page,
  scope: Scope,
): Promise<{ links: LinkRecord[]; nextCursor: string | null }> {
  const rows = await runSql<LinkRow>(store, 'links.sql', {
    ...windowParams(window),
    ...pageParams(page),
    ...scopeParams(scope),
    method: filter.method ?? '',
  });
  const { rows: kept, nextCursor } = paginate(rows, page, (row) => ({ ns: row.timeNs, k1: row.edgeTraceId, k2: row.meshTraceId }));
  return { links: kept.map(toLink), nextCursor };
}
