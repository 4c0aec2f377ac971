import type { Store } from '../../store/open.ts';
import { ApiError } from '../errors.ts';
import { formatNs } from '../params.ts';
import type { SpanRecord, TraceDocument } from '../shapes.ts';
import { toDecision, toLink, toMismatch, type DecisionRow, type LinkRow, type MismatchRow } from './records.ts';
import { inScope, runSql, type Scope } from './run.ts';
import { summarize } from './summary.ts';

/** A span as the SQL returns it: nanosecond start and duration as decimal strings, no depth yet. */
type SpanRow = Omit<SpanRecord, 'start' | 'durationNs' | 'depth'> & { ts: string; durationNs: string };

// A trace with more spans than this is cut, so one runaway trace cannot exhaust the API's memory.
const maxSpans = 10_000;
const layerOrder = ['edge', 'gateway', 'sidecar', 'app'];

/**
 * The joined story of one trace: its spans and those of every trace linked to it, its decisions (edge
 * first, then in time order), links and mismatches. Null when no span of the trace is stored.
 */
export async function getTrace(store: Store, traceId: string, scope: Scope): Promise<TraceDocument | null> {
  // The trace's own spans first: an unknown id is answered without touching the correlation views.
  const ownSpans = await runSql<SpanRow>(store, 'trace_spans.sql', { traceIds: [traceId], maxSpans });
  if (ownSpans.length === 0) return null;
  if (scope && !ownSpans.some((row) => inScope(scope, row.service))) {
    throw new ApiError(403, 'forbidden', `trace ${traceId} has no span of a service this token may read (${scope.join(', ')})`);
  }
  // Correlation is read from the data near this trace's own time, not from the whole store.
  const window = {
    fromNs: ownSpans.reduce((min, row) => (BigInt(row.ts) < min ? BigInt(row.ts) : min), BigInt(ownSpans[0]!.ts)).toString(),
    toNs: ownSpans.reduce((max, row) => (BigInt(row.ts) + BigInt(row.durationNs) > max ? BigInt(row.ts) + BigInt(row.durationNs) : max), 0n).toString(),
  };
  const links = (await runSql<LinkRow>(store, 'trace_links.sql', { traceId, ...window })).map(toLink);
  const linked = [...new Set(links.flatMap((link) => [link.edgeTraceId, link.meshTraceId]).filter((id) => id !== traceId))];
  const traceIds = [traceId, ...linked];
  const [linkedSpans, decisionRows, mismatchRows] = await Promise.all([
    linked.length > 0 ? runSql<SpanRow>(store, 'trace_spans.sql', { traceIds: linked, maxSpans }) : [],
    runSql<DecisionRow>(store, 'trace_decisions.sql', { traceIds, ...window }),
    runSql<MismatchRow>(store, 'trace_mismatches.sql', { traceIds, ...window }),
  ]);
  const spanRows = [...ownSpans, ...linkedSpans];
  const spans = treeOrder(spanRows, traceIds);
  const decisions = decisionRows.map(toDecision).sort((a, b) => Number(b.layer === 'edge') - Number(a.layer === 'edge') || a.timestamp.localeCompare(b.timestamp));
  const mismatches = mismatchRows.map(toMismatch);
  return {
    traceId,
    summary: summarize(decisions, links, mismatches),
    spans,
    layers: layerOrder
      .map((layer) => ({ layer, spanIds: spans.filter((span) => span.layer === layer).map((span) => span.spanId) }))
      .filter((group) => group.spanIds.length > 0),
    decisions,
    links,
    mismatches,
  };
}

/**
 * Parents before children, siblings by start time, traces in the order they started (so the edge comes
 * before the mesh trace it caused). A span
 * whose parent is missing (not yet arrived, or in the caller's own system) starts a root of its own.
 */
function treeOrder(rows: SpanRow[], traceIds: string[]): SpanRecord[] {
  const byParent = new Map<string, SpanRow[]>();
  const present = new Set(rows.map((row) => `${row.traceId}/${row.spanId}`));
  for (const row of rows) {
    const parentKey = row.parentSpanId && present.has(`${row.traceId}/${row.parentSpanId}`) ? `${row.traceId}/${row.parentSpanId}` : `${row.traceId}/`;
    const siblings = byParent.get(parentKey) ?? [];
    siblings.push(row);
    byParent.set(parentKey, siblings);
  }
  const ordered: SpanRecord[] = [];
  const visit = (key: string, depth: number) => {
    for (const row of (byParent.get(key) ?? []).sort((a, b) => (BigInt(a.ts) < BigInt(b.ts) ? -1 : BigInt(a.ts) > BigInt(b.ts) ? 1 : 0))) {
      ordered.push({
        traceId: row.traceId,
        spanId: row.spanId,
        parentSpanId: row.parentSpanId,
        layer: row.layer,
        service: row.service,
        name: row.name,
        kind: row.kind.toLowerCase(),
        start: formatNs(row.ts),
        durationNs: Number(row.durationNs),
        status: row.status.toLowerCase(),
        statusMessage: row.statusMessage,
        httpStatus: Number(row.httpStatus),
        depth,
        attributes: row.attributes,
      });
      visit(`${row.traceId}/${row.spanId}`, depth + 1);
    }
  };
  const firstStart = (id: string) => rows.filter((row) => row.traceId === id).reduce((min, row) => (BigInt(row.ts) < min ? BigInt(row.ts) : min), BigInt(Number.MAX_SAFE_INTEGER) ** 2n);
  for (const id of [...traceIds].sort((a, b) => (firstStart(a) < firstStart(b) ? -1 : firstStart(a) > firstStart(b) ? 1 : 0))) visit(`${id}/`, 0);
  return ordered;
}
