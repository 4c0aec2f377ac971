import type { Store } from '../../store/open.ts';
import { pageParams, paginate, type Page, type Window } from '../params.ts';
import { toMismatch, type MismatchRecord, type MismatchRow } from './records.ts';
import { runSql, scopeParams, type Scope } from './run.ts';

const firstSliceNs = 60n * 1_000_000_000n;

/**
 * Newest first. Mismatches are correlated when read, at a cost that follows the data read, so the
 * window is searched backwards in slices that grow fourfold (1 min, 4 min, 16 min, …) until a page is
 * full: the first page of a busy day reads minutes of data, a quiet day costs a few more queries.
 */
export async function listMismatches(
  store: Store,
  window: Window,
  filter: { kind?: string | undefined },
  page: Page,
  scope: Scope,
): Promise<{ mismatches: MismatchRecord[]; nextCursor: string | null }> {
  const from = BigInt(window.fromNs);
  // Rows at the cursor's own nanosecond may still follow it (tie-breakers), so the cursor is inclusive here.
  let to = page.after && BigInt(page.after.ns) < BigInt(window.toNs) ? BigInt(page.after.ns) : BigInt(window.toNs);
  let slice = firstSliceNs;
  const rows: (MismatchRow & { tieBreak: string })[] = [];
  while (rows.length <= page.limit && to >= from) {
    const sliceFrom = to - slice > from ? to - slice : from;
    rows.push(
      ...(await runSql<MismatchRow & { tieBreak: string }>(store, 'mismatches.sql', {
        fromNs: sliceFrom.toString(),
        toNs: to.toString(),
        ...pageParams({ ...page, limit: page.limit - rows.length }),
        ...scopeParams(scope),
        kind: filter.kind ?? '',
      })),
    );
    // The SQL's window includes both ends; the next slice ends just before this one began.
    to = sliceFrom - 1n;
    slice *= 4n;
  }
  const { rows: kept, nextCursor } = paginate(rows, page, (row) => ({ ns: row.timeNs, k1: row.traceId, k2: row.tieBreak }));
  return { mismatches: kept.map(toMismatch), nextCursor };
}
