import { checkBearer } from './bearer.ts';
import { looksLikeJwt, type JwtVerifier } from './jwt.ts';

/**
 * The receivers' credential check: a bearer token whose SHA-256 is configured, or a JWT that verifies
 * against the configured JWKS. Resolves to a refusal message, or null when the caller may proceed.
 */
export function createCredentialCheck(hashes: string[], verifyJwt: JwtVerifier | undefined): (authorization: string | undefined) => Promise<string | null> {
  return async (authorization) => {
    const verdict = checkBearer(authorization, hashes);
    if (verdict === 'ok') return null;
    if (verdict === 'missing') return 'missing credentials; send Authorization: Bearer <token>';
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (token !== undefined && verifyJwt && looksLikeJwt(token)) {
      try {
        await verifyJwt(token);
        return null;
      } catch (error) {
        return `the JWT was rejected (${(error as Error).message}); get a fresh token from your identity provider`;
      }
    }
    return 'the bearer token is not valid';
  };
}
