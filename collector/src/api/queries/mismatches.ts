import type { Store } from '../../store/open.ts';
import { pageParams, paginate, type Page, type Window } from '../params.ts';
import type { MismatchRecord } from '../shapes.ts';
import { toMismatch, type MismatchRow } from './records.ts';
import { runSql, scopeParams, type Scope } from './run.ts';

const minuteNs = 60n * 1_000_000_000n;

type Row = MismatchRow & { tieBreak: string };

/**
 * Newest first. A slice of the window reads the mismatches the collector's rollup stored for its
 * settled minutes and correlates the other minutes from rows, at a cost that follows the data those
 * read. So the window is searched backwards in slices that grow fourfold (1 min, 4 min, 16 min, …)
 * until a page is full: the first page of a busy day reads minutes of data, a quiet day costs a few
 * more queries.
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
  let slice = minuteNs;
  const rows: Row[] = [];
  while (rows.length <= page.limit && to >= from) {
    const sliceFrom = to - slice > from ? to - slice : from;
    const pageOfSlice = pageParams({ ...page, limit: page.limit - rows.length });
    rows.push(...(await sliceMismatches(store, sliceFrom, to, { ...pageOfSlice, ...scopeParams(scope), kind: filter.kind ?? '' }, Number(pageOfSlice.limit))));
    // The SQL's window includes both ends; the next slice ends just before this one began.
    to = sliceFrom - 1n;
    slice *= 4n;
  }
  const { rows: kept, nextCursor } = paginate(rows, page, (row) => ({ ns: row.timeNs, k1: row.traceId, k2: row.tieBreak }));
  return { mismatches: kept.map(toMismatch), nextCursor };
}

/** One slice's page: stored mismatches of settled minutes merged with the rest correlated from rows. */
async function sliceMismatches(store: Store, from: bigint, to: bigint, params: Record<string, unknown> & { kind: string }, limit: number): Promise<Row[]> {
  const window = { fromNs: from.toString(), toNs: to.toString() };
  const minutes = await runSql<{ minute: number; generation: string; settled: number }>(store, 'mismatch_minutes.sql', window);
  const settled = minutes.filter((m) => m.settled);
  const live = minutes.filter((m) => !m.settled).map((m) => m.minute);
  const [stored, correlated] = await Promise.all([
    runSql<Row>(store, 'mismatches_settled.sql', { ...window, ...params, minutes: settled.map((m) => m.minute), generations: settled.map((m) => m.generation) }),
    live.length === 0 || params.kind === 'stale_key'
      ? []
      : runSql<Row>(store, 'mismatches.sql', {
          ...params,
          // Only the stretch holding unsettled minutes is correlated.
          fromNs: max(from, BigInt(live[0]!) * 1_000_000_000n).toString(),
          toNs: min(to, BigInt(live.at(-1)!) * 1_000_000_000n + minuteNs - 1n).toString(),
          minutes: live,
        }),
  ]);
  if (correlated.length === 0) return stored;
  return [...stored, ...correlated].sort(newestFirst).slice(0, limit);
}

/** The SQL's order: (ts, traceId, tieBreak) descending. */
function newestFirst(a: Row, b: Row): number {
  const byTime = BigInt(b.timeNs) - BigInt(a.timeNs);
  if (byTime !== 0n) return byTime > 0n ? 1 : -1;
  return compare(b.traceId, a.traceId) || compare(b.tieBreak, a.tieBreak);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);
