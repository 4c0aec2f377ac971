import { apiGet, type Decision, type Page, type TraceListItem } from '../api.ts';
import { because } from '../describe.ts';
import { clock, fromOf, type WindowName } from '../format.ts';
import { href } from '../location.ts';
import { useApi } from '../use-api.ts';
import { TraceList } from './search.tsx';
import { Loaded } from './status.tsx';

type Timeline = { subject: string; decisions: Decision[]; nextCursor: string | null };

export function IdentityView({ subject, since, cursor }: { subject: string; since: WindowName; cursor: string | undefined }) {
  const load = useApi(() => apiGet<Timeline>(`/identities/${encodeURIComponent(subject)}/timeline`, { from: fromOf(since), cursor, limit: 200 }), [subject, since, cursor]);
  const requests = useApi(() => apiGet<Page<'traces', TraceListItem>>('/traces', { subject, from: fromOf(since), limit: 50 }), [subject, since]);
  return (
    <section>
      <h2>
        Identity <span class="mono">{subject}</span>
      </h2>
      <h3>Requests</h3>
      <Loaded load={requests}>
        {(page) => (page.traces.length === 0 ? <p class="muted">no requests from {subject} in the last {since}</p> : <TraceList traces={page.traces} />)}
      </Loaded>
      <h3>Decisions, edge and mesh, oldest first</h3>
      <Loaded load={load}>
        {(timeline) => (
          <>
            {timeline.decisions.length === 0 ? (
              <p class="muted">no decisions about {subject} in the last {since}</p>
            ) : (
              <table class="list timeline">
                <thead>
                  <tr>
                    <th>time</th>
                    <th>layer</th>
                    <th>service</th>
                    <th>decision</th>
                    <th>because</th>
                    <th>evidence</th>
                    <th>trace</th>
                  </tr>
                </thead>
                <tbody>
                  {timeline.decisions.map((decision) => (
                    <tr key={`${decision.traceId}/${decision.spanId}`} class={decision.decision}>
                      <td>{clock(decision.timestamp)}</td>
                      <td>{decision.layer || 'access log'}</td>
                      <td>{decision.service}</td>
                      <td>{decision.decision}</td>
                      <td>{decision.decision === 'deny' || decision.reason || decision.policy ? because(decision) : ''}</td>
                      <td>{decision.evidence}</td>
                      <td>
                        <a class="mono" href={href({ view: 'request', trace: decision.traceId })}>{decision.traceId.slice(0, 12)}…</a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {timeline.nextCursor && (
              <a class="next" href={href({ view: 'identity', subject, since, cursor: timeline.nextCursor })}>
                later →
              </a>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}
