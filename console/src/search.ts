// What a search term is, and how to look it up: a trace id opens that trace; a ray id, request id or
// subject searches traces; a term that could be a request id or a subject is tried as both.
import { ApiFailure, apiGet, type Page, type TraceDocument, type TraceListItem } from './api.ts';

type TermKind = 'trace' | 'ray' | 'request-or-subject' | 'subject';

function termKind(term: string): TermKind {
  if (/^[0-9a-f]{32}$/i.test(term)) return 'trace';
  if (/^[0-9a-f]{16}(-[A-Za-z0-9]{1,8})?$/i.test(term)) return 'ray';
  if (/^[A-Za-z0-9-]{1,128}$/.test(term)) return 'request-or-subject';
  return 'subject';
}

export interface SearchResult {
  kind: TermKind;
  /** Set when the term names one request (a trace id, or matches that are halves of one linked request). */
  request: TraceDocument | null;
  traces: TraceListItem[];
  nextCursor: string | null;
}

type Traces = Page<'traces', TraceListItem>;

export async function search(term: string, from: string | undefined, cursor: string | undefined): Promise<SearchResult> {
  const kind = termKind(term);
  if (kind === 'trace') {
    const request = await apiGet<TraceDocument>(`/traces/${term.toLowerCase()}`);
    return { kind, request, traces: [], nextCursor: null };
  }
  const window = { from, cursor, limit: 50 };
  let page: Traces;
  if (kind === 'ray') page = await apiGet<Traces>('/traces', { ...window, rayId: term });
  else if (kind === 'subject') page = await apiGet<Traces>('/traces', { ...window, subject: term });
  else {
    const [byRequest, bySubject] = await Promise.all([apiGet<Traces>('/traces', { ...window, requestId: term }), apiGet<Traces>('/traces', { ...window, subject: term })]);
    page = byRequest.traces.length > 0 ? byRequest : bySubject;
  }
  return { kind, request: cursor ? null : await oneRequest(page.traces), traces: page.traces, nextCursor: page.nextCursor };
}

/** The joined document when every match belongs to one request (e.g. the edge and mesh halves of a ray id). */
async function oneRequest(traces: TraceListItem[]): Promise<TraceDocument | null> {
  if (traces.length === 0 || traces.length > 4) return null;
  const first = traces.find((trace) => trace.edge !== null) ?? traces[0]!;
  let doc: TraceDocument;
  try {
    doc = await apiGet<TraceDocument>(`/traces/${first.traceId}`);
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 404) return null;
    throw error;
  }
  const covered = new Set(doc.spans.map((span) => span.traceId));
  return traces.every((trace) => covered.has(trace.traceId)) ? doc : null;
}
