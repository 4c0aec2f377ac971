import type { JWK } from 'jose';
import type { KVStore } from '../lib/runtime.ts';

/** One identity-assertion signing key as stored in the `SIGNING_KEYS` KV namespace. */
export interface StoredSigningKey {
  kid: string;
  /** Epoch milliseconds; the rotation window and the activation delay are measured from here. */
  createdAt: number;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** KV key holding `{ "keys": [newest, previous] }`. */
export const SIGNING_KEYS_KV_KEY = 'seam:signing-keys';

// Reading KV on every request costs latency; rotation is hourly at most, so a minute of staleness is harmless.
const CACHE_MS = 60_000;
const cache = new WeakMap<KVStore, { at: number; keys: StoredSigningKey[] }>();

export async function loadSigningKeys(kv: KVStore): Promise<StoredSigningKey[]> {
  const hit = cache.get(kv);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.keys;
  const text = await kv.get(SIGNING_KEYS_KV_KEY, 'text');
  const parsed = text ? (JSON.parse(text) as { keys?: StoredSigningKey[] }) : undefined;
  const keys = Array.isArray(parsed?.keys) ? parsed.keys : [];
  cache.set(kv, { at: Date.now(), keys });
  return keys;
}

export async function saveSigningKeys(kv: KVStore, keys: StoredSigningKey[]): Promise<void> {
  await kv.put(SIGNING_KEYS_KV_KEY, JSON.stringify({ keys }));
  cache.set(kv, { at: Date.now(), keys });
}
