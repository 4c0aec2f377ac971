import type { DecisionRecord, KeyRecord, LinkRecord, MismatchRecord, SideView, SpanRecord, TraceDocument, TraceListItem } from '../../collector/src/api/shapes.ts';

// The console's only data source: the public query API under /api/v1, with the bearer token the
// person typed for this tab (sessionStorage: gone when the tab closes).

const tokenKey = 'seam.token';

// The records the API answers with, under the names the views use; the collector defines them.
export type { TraceDocument, TraceListItem };
export type Side = SideView;
export type Mismatch = MismatchRecord;
export type Decision = DecisionRecord;
export type Link = LinkRecord;
export type Span = SpanRecord;
export type Key = KeyRecord;

export type Page<Name extends string, Item> = { [K in Name]: Item[] } & { nextCursor: string | null };

/** A refusal or failure as the API stated it. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function storedToken(): string | null {
  return sessionStorage.getItem(tokenKey);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(tokenKey, token);
}

/** GET /api/v1<path>, with query parameters that are set. Throws ApiFailure with the API's own message. */
export async function apiGet<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const search = params.toString();
  const token = storedToken();
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}${search ? `?${search}` : ''}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (error) {
    throw new ApiFailure(0, 'unreachable', `the Seam API did not answer (${(error as Error).message}); check that the collector is running`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiFailure(response.status, 'not_json', `the API answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } }).error;
    throw new ApiFailure(response.status, error?.code ?? 'error', error?.message ?? `the API answered ${response.status}`);
  }
  return body as T;
}
