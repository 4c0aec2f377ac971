import type { StoredSigningKey } from './keys.ts';

export interface KeyTiming {
  /** A new key is only used once it has been published this long (the mesh caches JWKS; istiod refreshes every 20 min). */
  activationDelaySec: number;
  /** The rotation window: a key older than this is refused for signing. */
  maxKeyAgeSec: number;
}

export type KeySelection =
  | { ok: true; key: StoredSigningKey }
  | { ok: false; error: 'no_signing_key' }
  | { ok: false; error: 'signing_key_expired'; kid: string; ageSec: number };

/** Picks the newest key that has been published long enough, and refuses one past the rotation window. */
export function selectSigningKey(keys: readonly StoredSigningKey[], timing: KeyTiming, now = Date.now()): KeySelection {
  const newestFirst = [...keys].sort((a, b) => b.createdAt - a.createdAt);
  // With no key published long enough (first start, or two rotations in quick succession), the
  // one published longest is the one the mesh most likely knows.
  const key = newestFirst.find((k) => now - k.createdAt >= timing.activationDelaySec * 1000) ?? newestFirst.at(-1);
  if (!key) return { ok: false, error: 'no_signing_key' };
  const ageSec = Math.floor((now - key.createdAt) / 1000);
  if (ageSec > timing.maxKeyAgeSec) return { ok: false, error: 'signing_key_expired', kid: key.kid, ageSec };
  return { ok: true, key };
}
