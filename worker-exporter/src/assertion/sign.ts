import { importJWK, SignJWT } from 'jose';
import type { StoredSigningKey } from './keys.ts';
import { ASSERTION_ALG } from './rotate.ts';

export interface AssertionClaims {
  issuer: string;
  audience: string;
  ttlSec: number;
  subject: string | undefined;
  groups: string[];
  /** The caller's token issuer and key id, so the mesh side can tell which IdP and key vouched. */
  originalIssuer: string | undefined;
  originalKid: string | undefined;
  mappingVersion: string | undefined;
  requestId: string;
}

const imported = new Map<string, Promise<CryptoKey>>();

/** A short-lived JWS the mesh verifies with RequestAuthentication against the Worker's published JWKS. */
export async function signAssertion(key: StoredSigningKey, claims: AssertionClaims): Promise<string> {
  let privateKey = imported.get(key.kid);
  if (!privateKey) {
    privateKey = importJWK(key.privateJwk, ASSERTION_ALG) as Promise<CryptoKey>;
    imported.set(key.kid, privateKey);
    // Only the current and previous keys are ever in use; older entries are dead weight.
    if (imported.size > 4) imported.delete(imported.keys().next().value!);
  }
  const jwt = new SignJWT({
    groups: claims.groups,
    ...(claims.originalIssuer ? { orig_iss: claims.originalIssuer } : {}),
    ...(claims.originalKid ? { orig_kid: claims.originalKid } : {}),
    ...(claims.mappingVersion ? { mapping_version: claims.mappingVersion } : {}),
    request_id: claims.requestId,
  })
    .setProtectedHeader({ alg: ASSERTION_ALG, kid: key.kid, typ: 'JWT' })
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setIssuedAt()
    .setExpirationTime(`${claims.ttlSec}s`)
    .setJti(crypto.randomUUID());
  if (claims.subject) jwt.setSubject(claims.subject);
  return jwt.sign(await privateKey);
}
