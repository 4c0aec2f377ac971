import type { JWTPayload } from 'jose';
import { evaluateMapping } from '../mapping/evaluate.ts';
import { evaluateRoute } from '../policy/route.ts';
import type { ParsedMapping } from '../mapping/document.ts';
import type { RoutePolicy } from '../policy/document.ts';
import { verifyCaller, type AuthFailure, type VerifyOptions } from './verify.ts';

/** The edge's verdict on one request, as recorded on its SERVER span. */
export interface EdgeDecision {
  decision: 'allow' | 'deny';
  /**
   * `public_path`, `authenticated` (no route policy), `route_policy`, `route_default`, or an
   * authentication failure: `jwt_missing`, `jwt_invalid`, `jwt_expired`, `jwt_issuer`,
   * `jwt_audience`, `jwks_unavailable`.
   */
  reason: 'public_path' | 'authenticated' | 'route_policy' | 'route_default' | AuthFailure;
  policy: string | undefined;
  route: string | undefined;
  subject: string | undefined;
  issuer: string | undefined;
  kid: string | undefined;
  groups: string[];
  mappingVersion: string | undefined;
  /** Why authentication failed, in words (never token content). */
  message: string | undefined;
  jwksSource: string | undefined;
  claims: JWTPayload | undefined;
}

export interface DecideSettings {
  auth: VerifyOptions & { publicPaths: Set<string> };
  mapping: ParsedMapping | undefined;
  routePolicy: RoutePolicy | undefined;
}

/** Authenticates the caller, maps claims to groups and applies the route policy. Never throws. */
export async function decideEdge(request: Request, config: DecideSettings): Promise<EdgeDecision> {
  const url = new URL(request.url);
  const base: EdgeDecision = {
    decision: 'allow',
    reason: 'public_path',
    policy: undefined,
    route: undefined,
    subject: undefined,
    issuer: undefined,
    kid: undefined,
    groups: [],
    mappingVersion: config.mapping?.version,
    message: undefined,
    jwksSource: undefined,
    claims: undefined,
  };
  if (config.auth.publicPaths.has(url.pathname)) return base;

  const verified = await verifyCaller(request, config.auth);
  if (!verified.ok) {
    return { ...base, decision: 'deny', reason: verified.reason, message: verified.message, jwksSource: verified.jwksSource };
  }
  const claims = verified.claims;
  const groups = config.mapping ? evaluateMapping(config.mapping.document, claims) : [];
  const identity = {
    ...base,
    subject: claims.sub,
    issuer: claims.iss,
    kid: verified.kid,
    groups,
    jwksSource: verified.jwksSource,
    claims,
  };
  if (!config.routePolicy) return { ...identity, reason: 'authenticated' };
  const route = evaluateRoute(config.routePolicy, request.method, url.pathname, groups);
  return { ...identity, decision: route.decision, reason: route.reason, policy: route.policy, route: route.route };
}
