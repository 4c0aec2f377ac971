import type { JSONWebKeySet } from 'jose';
import type { KVStore } from '../lib/runtime.ts';

export interface JwksOptions {
  url: string;
  /** KV namespace shared by all isolates, so a cold isolate reads the key set instead of fetching it. */
  kv: KVStore | undefined;
  /** Age after which a refetch is attempted. */
  refreshSec: number;
  /** Age up to which cached keys are still used when the JWKS URL cannot be reached. */
  maxStaleSec: number;
  timeoutMs: number;
  fetch: typeof fetch;
}

export type JwksSource = 'memory' | 'kv' | 'remote' | 'stale';

export interface LoadedJwks {
  jwks: JSONWebKeySet;
  source: JwksSource;
}

export class JwksUnavailableError extends Error {
  override name = 'JwksUnavailableError';
}

interface Entry {
  jwks: JSONWebKeySet;
  fetchedAt: number;
}

// A refetch forced by an unknown `kid` (the issuer rotated) is allowed this often, so a stream
// of tokens with made-up key ids cannot turn into a stream of requests to the issuer.
const FORCED_REFRESH_COOLDOWN_MS = 30_000;
// After a failed fetch, requests keep using the cached keys this long before trying again.
const FAILURE_BACKOFF_MS = 10_000;

const memory = new Map<string, Entry>();
const lastAttempt = new Map<string, number>();

/** The issuer's key set from memory, then KV, then the network; stale cached keys bridge an outage. */
export async function loadJwks(options: JwksOptions, forceRefresh = false): Promise<LoadedJwks> {
  const now = Date.now();
  const fresh = (e: Entry | undefined): e is Entry => e !== undefined && now - e.fetchedAt < options.refreshSec * 1000;
  let entry = memory.get(options.url);
  if (!forceRefresh && fresh(entry)) return { jwks: entry.jwks, source: 'memory' };

  const stored = await readKv(options);
  if (stored && (!entry || stored.fetchedAt > entry.fetchedAt)) {
    entry = stored;
    memory.set(options.url, stored);
    if (!forceRefresh && fresh(entry)) return { jwks: entry.jwks, source: 'kv' };
  }

  const usable = entry !== undefined && now - entry.fetchedAt < options.maxStaleSec * 1000;
  const previous = lastAttempt.get(options.url) ?? 0;
  const waitMs = forceRefresh && fresh(entry) ? FORCED_REFRESH_COOLDOWN_MS : FAILURE_BACKOFF_MS;
  if (usable && now - previous < waitMs) return { jwks: entry!.jwks, source: fresh(entry) ? 'memory' : 'stale' };

  lastAttempt.set(options.url, now);
  try {
    const jwks = await fetchJwks(options);
    const next = { jwks, fetchedAt: now };
    memory.set(options.url, next);
    await writeKv(options, next);
    return { jwks, source: 'remote' };
  } catch (e) {
    if (usable) return { jwks: entry!.jwks, source: fresh(entry) ? 'memory' : 'stale' };
    throw new JwksUnavailableError(
      `cannot load the JWKS from ${options.url} (${(e as Error).message}) and no cached copy younger than ${options.maxStaleSec}s exists`,
    );
  }
}

async function fetchJwks(options: JwksOptions): Promise<JSONWebKeySet> {
  const res = await options.fetch(options.url, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(options.timeoutMs),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = (await res.json()) as { keys?: unknown };
  if (!Array.isArray(body.keys)) throw new Error('the response has no "keys" array');
  return body as JSONWebKeySet;
}

function kvKey(url: string): string {
  return `jwks:${url}`;
}

async function readKv(options: JwksOptions): Promise<Entry | undefined> {
  if (!options.kv) return undefined;
  try {
    const text = await options.kv.get(kvKey(options.url), 'text');
    if (!text) return undefined;
    const entry = JSON.parse(text) as Entry;
    return Array.isArray(entry.jwks?.keys) && typeof entry.fetchedAt === 'number' ? entry : undefined;
  } catch {
    // An unreadable cache is the same as an empty one: the network is the source of truth.
    return undefined;
  }
}

async function writeKv(options: JwksOptions, entry: Entry): Promise<void> {
  if (!options.kv) return;
  try {
    // KV refuses TTLs under 60 s.
    await options.kv.put(kvKey(options.url), JSON.stringify(entry), { expirationTtl: Math.max(60, options.maxStaleSec) });
  } catch {
    // Failing to share the keys with other isolates costs them a fetch, nothing more.
  }
}
