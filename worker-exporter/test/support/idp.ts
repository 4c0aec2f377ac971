import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

export const ISSUER = 'https://idp.test/';
export const AUDIENCE = 'https://api.test';

/** A token issuer with one RS256 key, plus a second key it does not publish (for forged signatures). */
export async function createIdp() {
  const real = await generateKeyPair('RS256', { extractable: true });
  const forger = await generateKeyPair('RS256', { extractable: true });
  const kid = 'idp-key-1';
  const jwks = { keys: [{ ...(await exportJWK(real.publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  async function sign(claims: JWTPayload, options: { key?: CryptoKey; expiresIn?: string | number; issuer?: string; audience?: string } = {}) {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(options.key ?? real.privateKey);
  }
  return { jwks, kid, sign, forgerKey: forger.privateKey };
}

/** An unsigned token (`alg: none`), which a verifier must refuse whatever its claims say. */
export function unsignedToken(claims: JWTPayload): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300, ...claims })}.`;
}
