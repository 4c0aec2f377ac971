import { hashToken } from '../auth/bearer.ts';
import { createJwtVerifier, looksLikeJwt } from '../auth/jwt.ts';
import { ConfigError } from '../config/load.ts';
import type { SeamConfig } from '../config/schema.ts';
import type { Scope } from './queries/run.ts';

/**
 * Who may read the query API, beyond the collector-wide bearer tokens: per-token tenant scopes and JWTs
 * from an identity provider, from `config.api` (`SEAM_API_*` variables).
 */
export interface AccessSettings {
  /** SHA-256 hex of a token → the namespaces or services it may read. Such tokens are API-only. */
  tenants: Record<string, string[]>;
  /** A JWKS document (inline JSON) or the URL serving it; empty disables JWTs. */
  jwks: string;
  jwtIssuer: string;
  jwtAudience: string;
  /** The claim listing a JWT holder's namespaces; a JWT without it reads everything. */
  tenantClaim: string;
}

export type Verdict = { ok: true; scope: Scope } | { ok: false; status: 401 | 403; message: string };

export function readAccessSettings(config: SeamConfig): AccessSettings {
  return {
    tenants: parseTenants(config.api.tenants),
    jwks: config.api.jwks,
    jwtIssuer: config.api.jwtIssuer,
    jwtAudience: config.api.jwtAudience,
    tenantClaim: config.api.tenantClaim || 'seam_namespaces',
  };
}

function parseTenants(text: string): Record<string, string[]> {
  if (text === '') return {};
  const problem = 'SEAM_API_TENANTS must be a JSON object mapping the SHA-256 hex of a token to a list of namespaces, e.g. {"<sha256>":["default"]}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`${problem}; it is not valid JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(problem);
  const tenants: Record<string, string[]> = {};
  for (const [hash, namespaces] of Object.entries(parsed)) {
    if (!/^[0-9a-f]{64}$/i.test(hash) || !Array.isArray(namespaces) || namespaces.some((ns) => typeof ns !== 'string')) {
      throw new ConfigError(`${problem}; the entry "${hash}" is not`);
    }
    tenants[hash.toLowerCase()] = namespaces as string[];
  }
  return tenants;
}

/**
 * Decides a request to `/api/v1/*`. A tenant token reads its namespaces; a collector token (or, when
 * the collector needs no credentials, anyone) reads everything; a JWT reads what its tenant claim says.
 * `collectorRefusal` is the collector's own bearer check: null when the header is acceptable.
 */
export function createApiGuard(settings: AccessSettings, collectorRefusal: (authorization: string | undefined) => string | null) {
  const verifyJwt = createJwtVerifier({ jwks: settings.jwks, issuer: settings.jwtIssuer, audience: settings.jwtAudience });
  return async (authorization: string | undefined): Promise<Verdict> => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    const tenant = token === undefined ? undefined : settings.tenants[hashToken(token)];
    if (tenant) return { ok: true, scope: tenant };
    if (token !== undefined && verifyJwt && looksLikeJwt(token) && collectorRefusal(authorization) !== null) {
      try {
        const payload = await verifyJwt(token);
        return { ok: true, scope: claimScope(payload[settings.tenantClaim]) };
      } catch (error) {
        return { ok: false, status: 401, message: `the JWT was rejected (${(error as Error).message}); get a fresh token from your identity provider` };
      }
    }
    const refusal = collectorRefusal(authorization);
    return refusal === null ? { ok: true, scope: null } : { ok: false, status: 401, message: refusal };
  };
}

function claimScope(claim: unknown): Scope {
  if (claim === undefined) return null;
  if (Array.isArray(claim)) return claim.map(String);
  return String(claim)
    .split(/[\s,]+/)
    .filter((ns) => ns !== '');
}
