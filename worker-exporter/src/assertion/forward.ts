import type { EdgeDecision } from '../identity/decide.ts';
import type { KVStore } from '../lib/runtime.ts';
import { loadSigningKeys } from './keys.ts';
import { rotateSigningKeys } from './rotate.ts';
import { selectSigningKey } from './select.ts';
import { signAssertion } from './sign.ts';

export interface AssertionOptions {
  keys: KVStore;
  issuer: string;
  audience: string;
  header: string;
  ttlSec: number;
  activationDelaySec: number;
  maxKeyAgeSec: number;
}

/** The assertion for one request, or why there is none (recorded on the CLIENT span). */
export interface ForwardedAssertion {
  token?: string;
  kid?: string;
  error?: string;
  ageSec?: number;
}

/** Signs the identity assertion the mesh receives for an allowed caller. Never throws. */
export async function signForwardedAssertion(options: AssertionOptions, decision: EdgeDecision, requestId: string): Promise<ForwardedAssertion> {
  try {
    let keys = await loadSigningKeys(options.keys);
    // First start: nothing to rotate from yet. Normal rotation runs from a cron trigger.
    if (keys.length === 0) keys = await rotateSigningKeys(options.keys);
    const picked = selectSigningKey(keys, options);
    if (!picked.ok) {
      const detail = picked.error === 'signing_key_expired' ? ` (kid ${picked.kid}, ${picked.ageSec}s old; run rotateSigningKeys)` : '';
      console.error(`Seam: not forwarding an identity assertion: ${picked.error}${detail}`);
      return picked.error === 'signing_key_expired' ? { error: picked.error, kid: picked.kid, ageSec: picked.ageSec } : { error: picked.error };
    }
    const token = await signAssertion(picked.key, {
      issuer: options.issuer,
      audience: options.audience,
      ttlSec: options.ttlSec,
      subject: decision.subject,
      groups: decision.groups,
      originalIssuer: decision.issuer,
      originalKid: decision.kid,
      mappingVersion: decision.mappingVersion,
      requestId,
    });
    return { token, kid: picked.key.kid };
  } catch (e) {
    console.error(`Seam: cannot sign the identity assertion: ${(e as Error).message}`);
    return { error: 'signing_failed' };
  }
}
