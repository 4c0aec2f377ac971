// The console's only data source: the public query API under /api/v1, with the bearer token the
// person typed for this tab (sessionStorage: gone when the tab closes).

const tokenKey = 'seam.token';

export interface Side {
  decision: string;
  reason: string;
  policy: string;
  service: string;
}

export interface Mismatch {
  kind: string;
  timestamp: string;
  traceId: string;
  meshTraceId: string;
  subject: string;
  keyId: string;
  edge: Side | null;
  mesh: Side | null;
}

export interface Decision {
  timestamp: string;
  traceId: string;
  spanId: string;
  layer: string;
  service: string;
  subject: string;
  groups: string[];
  decision: string;
  reason: string;
  policy: string;
  evidence: string;
  keyId: string;
  dryRun: { result: string; policy: string } | null;
}

export interface Link {
  timestamp: string;
  edgeTraceId: string;
  meshTraceId: string;
  method: string;
  confidence: number;
  edgeService: string;
  meshService: string;
  subject: string;
}

export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  layer: string;
  service: string;
  name: string;
  kind: string;
  start: string;
  durationNs: number;
  status: string;
  statusMessage: string;
  httpStatus: number;
  depth: number;
  attributes: Record<string, string>;
}

export interface TraceDocument {
  traceId: string;
  summary: string;
  spans: Span[];
  layers: { layer: string; spanIds: string[] }[];
  decisions: Decision[];
  links: Link[];
  mismatches: Mismatch[];
}

export interface TraceListItem {
  traceId: string;
  start: string;
  durationNs: number;
  spanCount: number;
  errorCount: number;
  layers: string[];
  services: string[];
  subjects: string[];
  edge: { service: string; subject: string; decision: string; reason: string } | null;
  meshService: string;
  meshDenied: boolean;
}

export interface Key {
  keyId: string;
  issuer: string;
  firstSeen: string;
  lastSeen: string;
  ageSeconds: number;
  requests: number;
  requestsPastRotation: number;
  pastRotation: boolean;
}

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
