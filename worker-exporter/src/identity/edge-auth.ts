import { signForwardedAssertion, type ForwardedAssertion } from '../assertion/forward.ts';
import type { SeamConfig } from '../config.ts';
import { InvalidDocumentError } from '../lib/invalid.ts';
import { parseMapping } from '../mapping/document.ts';
import { parseRoutePolicy } from '../policy/document.ts';
import { decideEdge, type EdgeDecision } from './decide.ts';

/** What the full `instrument` adds to tracing: caller authentication, claim mapping, route policy and the identity assertion. */
export interface EdgeAuth {
  /** Never throws. */
  decide(request: Request): Promise<EdgeDecision>;
  /** Answer denials without calling the handler. */
  enforce: boolean;
  /** Undefined without `assertion` in the config. */
  assertion: { header: string; sign(decision: EdgeDecision, requestId: string): Promise<ForwardedAssertion> } | undefined;
}

/** Turns the auth-related parts of a config into an `EdgeAuth` (undefined when there is no `auth`). */
export type EdgeAuthResolver = (config: SeamConfig, fetchImpl: typeof fetch) => Promise<EdgeAuth | undefined>;

/** Checks `auth`, `mapping`, `routePolicy` and `assertion` and fills in their defaults; errors name the setting. */
export const resolveEdgeAuth: EdgeAuthResolver = async (config, fetchImpl) => {
  if (config.assertion && !(config.auth && config.mesh)) {
    throw new InvalidDocumentError('Seam config: assertion needs auth (whose identity to assert) and mesh (where to send it)');
  }
  // Parsed even without auth, so a broken document is reported rather than silently unused.
  const mapping = config.mapping === undefined ? undefined : await parseMapping(config.mapping);
  const routePolicy = config.routePolicy === undefined ? undefined : parseRoutePolicy(config.routePolicy);
  const auth = config.auth;
  if (!auth) return undefined;
  const settings = {
    auth: {
      jwks: {
        url: auth.jwksUrl,
        kv: auth.jwksCache,
        refreshSec: auth.jwksRefreshSec ?? 300,
        maxStaleSec: auth.jwksMaxStaleSec ?? 86_400,
        timeoutMs: auth.jwksTimeoutMs ?? 3000,
        fetch: fetchImpl,
      },
      issuer: auth.issuer,
      audience: auth.audience,
      algorithms: auth.algorithms ?? ['RS256', 'ES256'],
      clockToleranceSec: auth.clockToleranceSec ?? 30,
      publicPaths: new Set(auth.publicPaths ?? []),
    },
    mapping,
    routePolicy,
  };
  const assertion = config.assertion && {
    keys: config.assertion.keys,
    issuer: config.assertion.issuer,
    audience: config.assertion.audience,
    header: config.assertion.header ?? 'x-seam-identity',
    ttlSec: config.assertion.ttlSec ?? 60,
    activationDelaySec: config.assertion.activationDelaySec ?? 1800,
    maxKeyAgeSec: config.assertion.maxKeyAgeSec ?? 86_400,
  };
  return {
    decide: (request) => decideEdge(request, settings),
    enforce: auth.enforce ?? true,
    assertion: assertion && { header: assertion.header, sign: (decision, requestId) => signForwardedAssertion(assertion, decision, requestId) },
  };
};
