import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ConfigError } from '../config/load.ts';

export interface JwtSettings {
  /** A JWKS document (inline JSON) or the URL serving it; empty disables JWTs. */
  jwks: string;
  issuer: string;
  audience: string;
}

export type JwtVerifier = (token: string) => Promise<JWTPayload>;

/**
 * Verifies JWT credentials against a JWKS (a remote one is cached and refetched on an unknown `kid`,
 * which is how key rotation reaches Seam). Returns undefined when no JWKS is configured.
 */
export function createJwtVerifier(settings: JwtSettings): JwtVerifier | undefined {
  if (settings.jwks === '') return undefined;
  let keys: JWTVerifyGetKey;
  try {
    keys = settings.jwks.trimStart().startsWith('{') ? createLocalJWKSet(JSON.parse(settings.jwks)) : createRemoteJWKSet(new URL(settings.jwks));
  } catch (error) {
    throw new ConfigError(`SEAM_API_JWKS must be a JWKS JSON document or its https URL: ${(error as Error).message}`);
  }
  return async (token) =>
    (
      await jwtVerify(token, keys, {
        ...(settings.issuer ? { issuer: settings.issuer } : {}),
        ...(settings.audience ? { audience: settings.audience } : {}),
      })
    ).payload;
}

export function looksLikeJwt(token: string): boolean {
  return token.split('.').length === 3;
}
