import { apiGet, type Key, type Page } from '../api.ts';
import { age, clock } from '../format.ts';
import { href } from '../location.ts';
import { useApi } from '../use-api.ts';
import { Loaded } from './status.tsx';

export function KeysView({ cursor }: { cursor: string | undefined }) {
  const load = useApi(() => apiGet<Page<'keys', Key>>('/keys', { cursor, from: String(Date.now() - 30 * 86_400_000) }), [cursor]);
  return (
    <section>
      <h2>Signing keys</h2>
      <Loaded load={load}>
        {(page) =>
          page.keys.length === 0 ? (
            <p class="muted">no signing keys seen at the edge in the last 30 days</p>
          ) : (
            <>
              <table class="list keys">
                <thead>
                  <tr>
                    <th>key id</th>
                    <th>issuer</th>
                    <th>first seen</th>
                    <th>last seen</th>
                    <th>age</th>
                    <th>requests</th>
                    <th>past rotation</th>
                  </tr>
                </thead>
                <tbody>
                  {page.keys.map((key) => (
                    <tr key={`${key.issuer}/${key.keyId}`} class={key.pastRotation ? 'deny' : ''}>
                      <td class="mono">{key.keyId}</td>
                      <td>{key.issuer}</td>
                      <td>{clock(key.firstSeen)}</td>
                      <td>{clock(key.lastSeen)}</td>
                      <td>{age(key.ageSeconds)}</td>
                      <td>{key.requests}</td>
                      <td>{key.pastRotation ? `${key.requestsPastRotation} requests past the rotation window` : 'within the window'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {page.nextCursor && (
                <a class="next" href={href({ view: 'keys', cursor: page.nextCursor })}>
                  more →
                </a>
              )}
            </>
          )
        }
      </Loaded>
    </section>
  );
}
