import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { KVStore } from '../lib/runtime.ts';
import { loadSigningKeys, saveSigningKeys, type StoredSigningKey } from './keys.ts';

export const ASSERTION_ALG = 'ES256';

/**
 * Adds a new signing key and keeps the one before it, so assertions signed moments ago still
 * verify and the mesh can learn the new key before it is used (see the activation delay).
 * Run it from a cron trigger at an interval shorter than the rotation window.
 */
export async function rotateSigningKeys(kv: KVStore, now = Date.now()): Promise<StoredSigningKey[]> {
  const { privateKey, publicKey } = await generateKeyPair(ASSERTION_ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const fresh: StoredSigningKey = { kid, createdAt: now, privateJwk: await exportJWK(privateKey), publicJwk };
  const existing = await loadSigningKeys(kv);
  const keys = [fresh, ...existing.filter((k) => k.kid !== kid)].slice(0, 2);
  await saveSigningKeys(kv, keys);
  return keys;
}
