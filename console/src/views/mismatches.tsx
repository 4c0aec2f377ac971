import { apiGet, type Mismatch, type Page } from '../api.ts';
import { describeMismatch } from '../describe.ts';
import { clock, fromOf, windows, type WindowName } from '../format.ts';
import { href, navigate } from '../location.ts';
import { useApi } from '../use-api.ts';
import { Loaded } from './status.tsx';

const mismatchKinds = ['edge_allow_mesh_deny', 'edge_deny_mesh_reached', 'mesh_without_edge', 'identity_mismatch', 'broken_propagation', 'stale_key'];

export function MismatchesView({ kind, since, cursor }: { kind: string | undefined; since: WindowName; cursor: string | undefined }) {
  const load = useApi(() => apiGet<Page<'mismatches', Mismatch>>('/mismatches', { kind, from: fromOf(since), cursor, limit: 50 }), [kind, since, cursor]);
  return (
    <section>
      <h2>Mismatches</h2>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          kind{' '}
          <select name="kind" value={kind ?? ''} onChange={(event) => navigate(href({ view: 'mismatches', kind: event.currentTarget.value, since }))}>
            <option value="">all kinds</option>
            {mismatchKinds.map((name) => (
              <option value={name}>{name}</option>
            ))}
          </select>
        </label>{' '}
        <label>
          last{' '}
          <select name="since" value={since} onChange={(event) => navigate(href({ view: 'mismatches', kind, since: event.currentTarget.value }))}>
            {Object.keys(windows).map((name) => (
              <option value={name}>{name}</option>
            ))}
          </select>
        </label>
      </form>
      <Loaded load={load}>
        {(page) => (
          <>
            {page.mismatches.length === 0 ? (
              <p class="muted">no mismatches in the last {since}</p>
            ) : (
              <table class="list mismatch-list">
                <thead>
                  <tr>
                    <th>time</th>
                    <th>kind</th>
                    <th>what happened</th>
                  </tr>
                </thead>
                <tbody>
                  {page.mismatches.map((mismatch) => (
                    <tr key={`${mismatch.kind}/${mismatch.traceId}/${mismatch.meshTraceId}`}>
                      <td>
                        <a href={href({ view: 'request', trace: mismatch.traceId })}>{clock(mismatch.timestamp)}</a>
                      </td>
                      <td>{mismatch.kind}</td>
                      <td>{describeMismatch(mismatch)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <nav class="pager">
              {cursor && <a href={href({ view: 'mismatches', kind, since })}>← newest</a>}
              {page.nextCursor && (
                <a class="next" href={href({ view: 'mismatches', kind, since, cursor: page.nextCursor })}>
                  older →
                </a>
              )}
            </nav>
          </>
        )}
      </Loaded>
    </section>
  );
}
