/**
 * Seam edge gateway: verifies the caller's token, maps its claims to mesh groups, applies the
 * route policy, and forwards allowed requests to the mesh ingress with trace context, a request
 * id and a signed identity assertion. Everything is configured by bindings (see wrangler.toml).
 */
import { context } from '@opentelemetry/api';
import { edgeContext, instrument, loadSigningKeys, publicJwks, rotateSigningKeys, type KVStore } from '@seam/worker-exporter';

interface Env {
  SEAM_OTLP_URL: string;
  /** Secret: bearer token for the collector, when it requires one. */
  SEAM_OTLP_TOKEN?: string;
  SEAM_SERVICE_NAME?: string;
  /** Head sampling ratio, 0..1 (default 1). */
  SEAM_SAMPLE_RATIO?: string;
  JWKS_URL: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  ORIGIN_URL: string;
  CLAIM_MAPPING: string;
  ROUTE_POLICY?: string;
  /** `iss` and `aud` of the identity assertion; Istio's RequestAuthentication must name the same. */
  ASSERTION_ISSUER?: string;
  ASSERTION_AUDIENCE?: string;
  JWKS_CACHE: KVStore;
  SIGNING_KEYS: KVStore;
}

const JWKS_PATH = '/.well-known/jwks.json';

// Connection-level headers describe the hop from the client, not the hop to the origin.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host'];

const gateway = {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === JWKS_PATH) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } });
      return Response.json(publicJwks(await loadSigningKeys(env.SIGNING_KEYS)), {
        // Short enough that a rotation reaches istiod well within the activation delay.
        headers: { 'cache-control': 'public, max-age=300' },
      });
    }
    const origin = new URL(env.ORIGIN_URL);
    const target = new URL(origin.pathname.replace(/\/$/, '') + url.pathname + url.search, origin);
    const headers = new Headers(request.headers);
    for (const h of HOP_BY_HOP) headers.delete(h);
    headers.set('x-forwarded-host', url.host);
    headers.set('x-forwarded-proto', url.protocol.replace(':', ''));
    const edge = edgeContext(request);
    const subrequest = new Request(target, {
      method: request.method,
      headers,
      body: request.body,
      redirect: 'manual',
    });
    // Running the fetch in the request's context makes its CLIENT span a child of this request's
    // SERVER span even without nodejs_compat and with many requests in flight.
    return edge ? context.with(edge.context, () => fetch(subrequest)) : fetch(subrequest);
  },

  // Cron trigger: keeps the identity-assertion keys inside the rotation window.
  async scheduled(_controller: unknown, env: Env): Promise<void> {
    await rotateSigningKeys(env.SIGNING_KEYS);
  },
};

export default instrument(gateway, (env: Env) => ({
  service: { name: env.SEAM_SERVICE_NAME ?? 'seam-edge-gateway' },
  exporter: {
    url: env.SEAM_OTLP_URL,
    compression: 'gzip',
    ...(env.SEAM_OTLP_TOKEN ? { headers: { authorization: `Bearer ${env.SEAM_OTLP_TOKEN}` } } : {}),
  },
  sampling: { ratio: env.SEAM_SAMPLE_RATIO === undefined ? 1 : Number(env.SEAM_SAMPLE_RATIO) },
  auth: {
    jwksUrl: env.JWKS_URL,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    jwksCache: env.JWKS_CACHE,
    publicPaths: [JWKS_PATH],
  },
  mapping: env.CLAIM_MAPPING,
  ...(env.ROUTE_POLICY ? { routePolicy: env.ROUTE_POLICY } : {}),
  mesh: { urls: [new URL(env.ORIGIN_URL).origin + '/'] },
  assertion: {
    keys: env.SIGNING_KEYS,
    issuer: env.ASSERTION_ISSUER ?? 'seam-edge',
    audience: env.ASSERTION_AUDIENCE ?? 'mesh',
  },
}));
