import { createLocalJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { JwksUnavailableError, loadJwks, type JwksOptions, type JwksSource } from '../jwks/cache.ts';

/**
 * Why a caller was not authenticated. Stable strings: they are recorded as `seam.authz.reason`
 * and documented in the README.
 */
export type AuthFailure = 'jwt_missing' | 'jwt_invalid' | 'jwt_expired' | 'jwt_issuer' | 'jwt_audience' | 'jwks_unavailable';

export interface VerifyOptions {
  jwks: JwksOptions;
  issuer: string | string[];
  audience: string | string[];
  algorithms: string[];
  clockToleranceSec: number;
}

export type Verification =
  | { ok: true; claims: JWTPayload; kid: string | undefined; jwksSource: JwksSource }
  | { ok: false; reason: AuthFailure; message: string; jwksSource?: JwksSource };

/** Verifies the bearer token of `request` against the issuer's JWKS. Never throws. */
export async function verifyCaller(request: Request, options: VerifyOptions): Promise<Verification> {
  const token = bearerToken(request.headers.get('authorization'));
  if (!token) return { ok: false, reason: 'jwt_missing', message: 'no "Authorization: Bearer <token>" header' };
  let loaded;
  try {
    loaded = await loadJwks(options.jwks);
    try {
      return await verifyWith(token, loaded.jwks, loaded.source, options);
    } catch (e) {
      if (!(e instanceof errors.JWKSNoMatchingKey)) throw e;
      // An unknown kid usually means the issuer rotated its keys since we cached them.
      loaded = await loadJwks(options.jwks, true);
      return await verifyWith(token, loaded.jwks, loaded.source, options);
    }
  } catch (e) {
    return { ...classify(e), ...(loaded ? { jwksSource: loaded.source } : {}) };
  }
}

async function verifyWith(token: string, jwks: Parameters<typeof createLocalJWKSet>[0], jwksSource: JwksSource, options: VerifyOptions): Promise<Verification> {
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
    issuer: options.issuer,
    audience: options.audience,
    algorithms: options.algorithms,
    clockTolerance: options.clockToleranceSec,
  });
  return { ok: true, claims: payload, kid: protectedHeader.kid, jwksSource };
}

function bearerToken(header: string | null): string | undefined {
  const m = header ? /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(header) : null;
  return m?.[1];
}

function classify(e: unknown): { ok: false; reason: AuthFailure; message: string } {
  if (e instanceof JwksUnavailableError) return { ok: false, reason: 'jwks_unavailable', message: e.message };
  if (e instanceof errors.JWTExpired) return { ok: false, reason: 'jwt_expired', message: e.message };
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'iss') return { ok: false, reason: 'jwt_issuer', message: e.message };
    if (e.claim === 'aud') return { ok: false, reason: 'jwt_audience', message: e.message };
  }
  // Bad signature, disallowed algorithm (including "none"), unknown key, malformed token, nbf in the future.
  return { ok: false, reason: 'jwt_invalid', message: e instanceof Error ? e.message : String(e) };
}
