import type { TraceListItem } from '../api.ts';
import { clock, duration, fromOf, type WindowName } from '../format.ts';
import { href } from '../location.ts';
import { search } from '../search.ts';
import { useApi } from '../use-api.ts';
import { RequestDocument } from './request.tsx';
import { Loaded } from './status.tsx';

export function SearchView({ term, since, cursor }: { term: string; since: WindowName; cursor: string | undefined }) {
  const load = useApi(() => search(term, fromOf(since), cursor), [term, since, cursor]);
  return (
    <Loaded load={load}>
      {(result) => (
        <>
          {result.kind !== 'trace' && (
            <p class="muted">
              {result.traces.length === 0 ? 'no traces' : `${result.traces.length}${result.nextCursor ? '+' : ''} traces`} for <b>{term}</b> in the last {since}{' '}
              {result.kind !== 'ray' && (
                <>
                  · <a href={href({ view: 'identity', subject: term, since })}>identity timeline of {term}</a>
                </>
              )}
            </p>
          )}
          {result.request ? <RequestDocument doc={result.request} /> : <TraceList traces={result.traces} />}
          {result.nextCursor && (
            <a class="next" href={href({ q: term, since, cursor: result.nextCursor })}>
              next page →
            </a>
          )}
        </>
      )}
    </Loaded>
  );
}

export function TraceList({ traces }: { traces: TraceListItem[] }) {
  if (traces.length === 0) return null;
  return (
    <table class="list traces">
      <thead>
        <tr>
          <th>start</th>
          <th>trace</th>
          <th>layers</th>
          <th>subject</th>
          <th>edge</th>
          <th>mesh</th>
          <th>spans</th>
          <th>duration</th>
        </tr>
      </thead>
      <tbody>
        {traces.map((trace) => (
          <tr key={trace.traceId}>
            <td>{clock(trace.start)}</td>
            <td>
              <a class="mono" href={href({ view: 'request', trace: trace.traceId })}>{trace.traceId}</a>
            </td>
            <td>{trace.layers.join(', ')}</td>
            <td>{trace.subjects.join(', ')}</td>
            <td>{trace.edge ? `${trace.edge.decision}${trace.edge.reason ? ` (${trace.edge.reason})` : ''}` : '—'}</td>
            <td class={trace.meshDenied ? 'deny' : ''}>{trace.meshService ? `${trace.meshService}${trace.meshDenied ? ' denied' : ''}` : '—'}</td>
            <td>{trace.spanCount}</td>
            <td>{duration(trace.durationNs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
