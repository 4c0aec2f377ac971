// Every view lives in the query string, so the address bar is always a link someone else can open.
import { useEffect, useState } from 'preact/hooks';

export type Params = Record<string, string | undefined>;

/** `?a=1&b=2` from the set parameters ('' and undefined are left out). */
export function href(params: Params): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, value);
  const text = search.toString();
  return text ? `?${text}` : location.pathname;
}

const listeners = new Set<() => void>();

export function navigate(to: string): void {
  history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

/** The current query string; re-renders on navigation and on back/forward. */
export function useLocation(): URLSearchParams {
  const [search, setSearch] = useState(location.search);
  useEffect(() => {
    const update = () => setSearch(location.search);
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return new URLSearchParams(search);
}

/** Same-page links navigate without a reload; modified clicks (new tab) keep the browser's behaviour. */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element).closest('a');
    if (!anchor || anchor.target || anchor.origin !== location.origin || anchor.pathname !== location.pathname) return;
    event.preventDefault();
    navigate(anchor.search || anchor.pathname);
  });
}
