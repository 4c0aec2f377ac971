import { useEffect, useMemo, useState } from 'preact/hooks';
import { storeToken } from '../api.ts';
import { windowName, windows, type WindowName } from '../format.ts';
import { href, navigate, useLocation } from '../location.ts';
import { AuthContext, type AuthState } from '../use-api.ts';
import { IdentityView } from './identity.tsx';
import { KeysView } from './keys.tsx';
import { MismatchesView } from './mismatches.tsx';
import { RequestView } from './request.tsx';
import { SearchView } from './search.tsx';
import { TokenPrompt } from './token-prompt.tsx';

export function App() {
  const params = useLocation();
  const [epoch, setEpoch] = useState(0);
  const [refusal, setRefusal] = useState<string | null>(null);
  const auth = useMemo<AuthState>(() => ({ epoch, requireToken: setRefusal }), [epoch]);
  const term = params.get('q')?.trim() ?? '';
  const since = windowName(params.get('since'), '24h');
  const view = params.get('view') ?? (term ? 'search' : 'home');
  useEffect(() => {
    document.title = `Seam · ${term || params.get('trace') || params.get('subject') || view}`;
  }, [params.toString()]);

  return (
    <AuthContext.Provider value={auth}>
      <header>
        <a class="brand" href="/">
          Seam
        </a>
        <SearchForm term={term} since={since} />
        <nav>
          <a href={href({ view: 'mismatches' })} aria-current={view === 'mismatches' ? 'page' : undefined}>
            Mismatches
          </a>
          <a href={href({ view: 'keys' })} aria-current={view === 'keys' ? 'page' : undefined}>
            Keys
          </a>
        </nav>
      </header>
      <main>
        {refusal !== null ? (
          <TokenPrompt
            message={refusal}
            onToken={(token) => {
              storeToken(token);
              setRefusal(null);
              setEpoch(epoch + 1);
            }}
          />
        ) : (
          <View view={view} params={params} term={term} since={since} />
        )}
      </main>
    </AuthContext.Provider>
  );
}

function View({ view, params, term, since }: { view: string; params: URLSearchParams; term: string; since: WindowName }) {
  const cursor = params.get('cursor') ?? undefined;
  switch (view) {
    case 'search':
      return <SearchView term={term} since={since} cursor={cursor} />;
    case 'request': {
      const trace = params.get('trace') ?? '';
      return /^[0-9a-f]{32}$/i.test(trace) ? <RequestView traceId={trace.toLowerCase()} /> : <p class="failure">trace={trace} is not a trace id; it must be 32 hex digits</p>;
    }
    case 'mismatches':
      return <MismatchesView kind={params.get('kind') ?? undefined} since={since} cursor={cursor} />;
    case 'identity':
      return <IdentityView subject={params.get('subject') ?? ''} since={since} cursor={cursor} />;
    case 'keys':
      return <KeysView cursor={cursor} />;
    default:
      return <Landing />;
  }
}

function SearchForm({ term, since }: { term: string; since: WindowName }) {
  const [value, setValue] = useState(term);
  const [range, setRange] = useState<WindowName>(since);
  useEffect(() => setValue(term), [term]);
  useEffect(() => setRange(since), [since]);
  return (
    <form
      class="search"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        if (value.trim()) navigate(href({ q: value.trim(), since: range === '24h' ? undefined : range }));
      }}
    >
      <input name="q" type="search" placeholder="trace id, ray id, request id or subject" aria-label="search" value={value} onInput={(event) => setValue(event.currentTarget.value)} />
      <select name="since" aria-label="time window" value={range} onChange={(event) => setRange(windowName(event.currentTarget.value, '24h'))}>
        {Object.keys(windows).map((name) => (
          <option value={name}>last {name}</option>
        ))}
      </select>
      <button type="submit">Search</button>
    </form>
  );
}

function Landing() {
  return (
    <section class="landing">
      <h2>Investigate a request</h2>
      <p>
        Type a <b>trace id</b> (32 hex digits), a Cloudflare <b>ray id</b>, a <b>request id</b> (x-request-id) or a <b>subject</b> (e.g. auth0|user-182). You get the request
        as the edge and the mesh saw it, even when the two halves carry different trace ids, with every authorization decision on it.
      </p>
      <p>
        Every page has its own address: <span class="mono">/?q=&lt;term&gt;</span> opens a search directly, so a link can go into an incident channel.
      </p>
      <p>
        <a href={href({ view: 'mismatches' })}>Where did the edge and the mesh disagree?</a> · <a href={href({ view: 'keys' })}>Which signing keys are in use?</a>
      </p>
    </section>
  );
}
