import type { JSONWebKeySet } from 'jose';
import type { StoredSigningKey } from './keys.ts';
import { ASSERTION_ALG } from './rotate.ts';

/** The public halves of the current and previous keys, as served at `/.well-known/jwks.json`. */
export function publicJwks(keys: readonly StoredSigningKey[]): JSONWebKeySet {
  return { keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: ASSERTION_ALG, use: 'sig' })) };
}
