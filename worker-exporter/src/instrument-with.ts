import { context, SpanKind, SpanStatusCode, trace, TraceFlags, type Span } from '@opentelemetry/api';
import type { ForwardedAssertion } from './assertion/forward.ts';
import type { SeamConfig } from './config.ts';
import { attachEdgeContext } from './context/edge.ts';
import { createContextManager } from './context/manager.ts';
import { tracedFetch } from './fetch/traced-fetch.ts';
import { recordDroppedSpans } from './export/stats.ts';
import type { EdgeDecision } from './identity/decide.ts';
import type { EdgeAuthResolver } from './identity/edge-auth.ts';
import { randomHexId } from './lib/hex.ts';
import type { CfProperties, WaitUntilContext } from './lib/runtime.ts';
import { hrToMs } from './lib/time.ts';
import { extractParent } from './propagation/extract.ts';
import { resolveConfig, SDK_NAME, SDK_VERSION, type ResolvedConfig } from './resolve.ts';
import { headSampled } from './trace/sampling.ts';
import { keepTrace } from './trace/tail.ts';
import { trackServerSpan } from './trace/in-flight.ts';
import { SeamTracerProvider } from './trace/provider.ts';
import { RequestTrace, type SubrequestPlan } from './trace/request-trace.ts';
import { RecordingSpan } from './trace/span.ts';

// Captured before patching: the exporter and the JWKS loader must not trace their own requests.
const plainFetch = globalThis.fetch.bind(globalThis);
const provider = new SeamTracerProvider();
const tracer = provider.getTracer(SDK_NAME, SDK_VERSION);
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  // Registration fails quietly if the application registered its own; Seam's spans still work
  // because they use `provider` directly.
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(createContextManager());
  globalThis.fetch = tracedFetch(plainFetch, tracer);
}

type Handler<Env> = {
  fetch?: (request: Request, env: Env, ctx: WaitUntilContext) => Response | Promise<Response>;
  [key: string]: unknown;
};

/**
 * Builds `instrument` around the given handling of `auth`, `mapping`, `routePolicy` and `assertion`:
 * the full build decides and forwards identity, the tracing-only build refuses those settings and
 * leaves their code out of the Worker's bundle.
 */
export function instrumentWith(resolveEdgeAuth: EdgeAuthResolver) {
  const configs = new WeakMap<object, Promise<ResolvedConfig>>();
  /**
   * Wraps a Worker's handler: one SERVER span per request, CLIENT spans and propagation on
   * subrequests, export after the response through `ctx.waitUntil`, and (full build) caller
   * authentication and the edge decision. Other handlers on the object (scheduled, queue…) are
   * passed through unchanged.
   */
  return function instrument<Env, H extends Handler<Env>>(handler: H, configure: (env: Env) => SeamConfig): H {
    install();
    const inner = handler.fetch;
    if (typeof inner !== 'function') throw new TypeError('instrument(handler, …): handler has no fetch method to instrument');
    return {
      ...handler,
      async fetch(request: Request, env: Env, ctx: WaitUntilContext): Promise<Response> {
        let config: ResolvedConfig;
        try {
          const key = (env ?? instrument) as object;
          let pending = configs.get(key);
          if (!pending) {
            pending = resolveConfig(configure(env), plainFetch, resolveEdgeAuth);
            configs.set(key, pending);
            pending.catch(() => configs.delete(key));
          }
          config = await pending;
        } catch (e) {
          // A gateway that cannot read its own rules must not let traffic through.
          console.error(`Seam: configuration error: ${(e as Error).message}`);
          return Response.json(
            { error: { code: 'seam_config_error', message: 'The edge is misconfigured; the operator can find the reason in the Worker logs.' } },
            { status: 500 },
          );
        }
        return serve(request, env, ctx, config, inner.bind(handler));
      },
    };
  };
}

async function serve<Env>(
  request: Request,
  env: Env,
  ctx: WaitUntilContext,
  config: ResolvedConfig,
  inner: (request: Request, env: Env, ctx: WaitUntilContext) => Response | Promise<Response>,
): Promise<Response> {
  const incoming = extractParent(request.headers);
  const traceId = incoming?.parent.traceId ?? randomHexId(16);
  const sampled = headSampled(incoming?.parent, traceId, config.ratio);
  const requestTrace = new RequestTrace(config.resource);
  const url = new URL(request.url);
  const server = new RecordingSpan(
    requestTrace,
    { name: SDK_NAME, version: SDK_VERSION },
    request.method,
    SpanKind.SERVER,
    { traceId, spanId: randomHexId(8), traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE },
    incoming?.parent,
    undefined,
    requestAttributes(request, url),
    undefined,
  );
  const untrack = trackServerSpan(server);
  const requestId = envoyRequestId(sampled);
  let decision: EdgeDecision | undefined;
  let errored = false;
  try {
    if (config.edgeAuth) {
      decision = await config.edgeAuth.decide(request);
      recordDecision(server, decision);
    }
    requestTrace.subrequests = subrequestPlan(config, requestId, incoming?.tracestate, decision);
    const spanContext = trace.setSpan(context.active(), server);
    attachEdgeContext(request, { context: spanContext, traceId, spanId: server.spanContext().spanId, requestId, decision });

    let response: Response;
    if (decision?.decision === 'deny' && config.edgeAuth?.enforce) {
      response = denial(decision);
    } else {
      response = await context.with(spanContext, () => inner(request, env, ctx));
    }
    server.setAttribute('http.response.status_code', response.status);
    if (response.status >= 500) {
      errored = true;
      server.setAttribute('error.type', String(response.status));
      server.setStatus({ code: SpanStatusCode.ERROR });
    }
    return response;
  } catch (e) {
    // The handler's exception is recorded and rethrown unchanged: instrumentation never alters behaviour.
    errored = true;
    const error = e instanceof Error ? e : new Error(String(e));
    server.recordException(error);
    server.setAttribute('error.type', error.name);
    server.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    throw e;
  } finally {
    server.end();
    untrack();
    recordDroppedSpans(requestTrace.droppedSpans);
    const facts = { headSampled: sampled, denied: decision?.decision === 'deny', errored, durationMs: hrToMs(server.duration) };
    if (config.batch && keepTrace(facts, config.slowMs)) ctx.waitUntil(config.batch.add([...requestTrace.spans]));
  }
}

function requestAttributes(request: Request, url: URL) {
  const cf = (request as Request & { cf?: CfProperties }).cf;
  const attributes: Record<string, string | number> = {
    'http.request.method': request.method,
    // Query strings are left out: they are where tokens leak.
    'url.full': `${url.origin}${url.pathname}`,
    'url.path': url.pathname,
    'url.scheme': url.protocol.replace(':', ''),
    'server.address': url.hostname,
    'faas.trigger': 'http',
  };
  const ray = request.headers.get('cf-ray');
  if (ray) attributes['cloudflare.ray_id'] = ray;
  const ua = request.headers.get('user-agent');
  if (ua) attributes['user_agent.original'] = ua;
  const client = request.headers.get('cf-connecting-ip');
  if (client) attributes['client.address'] = client;
  if (cf?.colo) attributes['cloudflare.colo'] = cf.colo;
  if (cf?.country) attributes['geo.country.iso_code'] = cf.country;
  if (typeof cf?.asn === 'number') attributes['cloudflare.asn'] = cf.asn;
  if (cf?.httpProtocol) attributes['network.protocol.version'] = cf.httpProtocol.replace(/^HTTP\//, '');
  return attributes;
}

function recordDecision(span: RecordingSpan, d: EdgeDecision): void {
  span.setAttribute('seam.authz.decision', d.decision);
  span.setAttribute('seam.authz.reason', d.reason);
  span.setAttribute('seam.authz.policy', d.policy);
  span.setAttribute('enduser.id', d.subject);
  span.setAttribute('seam.auth.issuer', d.issuer);
  span.setAttribute('seam.auth.kid', d.kid);
  if (d.reason !== 'public_path') span.setAttribute('seam.auth.groups', d.groups);
  span.setAttribute('seam.mapping.version', d.mappingVersion);
  span.setAttribute('seam.auth.error', d.message);
  span.setAttribute('seam.auth.jwks_source', d.jwksSource);
  if (d.route) {
    span.setAttribute('http.route', d.route);
    span.updateName(`${span.name} ${d.route}`);
  }
}

const DENIAL_STATUS: Partial<Record<EdgeDecision['reason'], number>> = { route_policy: 403, route_default: 403, jwks_unavailable: 503 };

function denial(d: EdgeDecision): Response {
  const status = DENIAL_STATUS[d.reason] ?? 401;
  const headers = new Headers({ 'content-type': 'application/json' });
  if (status === 401) {
    // RFC 6750: no error code when the request carried no token at all.
    headers.set('www-authenticate', d.reason === 'jwt_missing' ? 'Bearer realm="seam"' : 'Bearer realm="seam", error="invalid_token"');
  }
  const message =
    status === 403
      ? `access to this route is not granted to groups [${d.groups.join(', ')}] (${d.policy})`
      : status === 503
        ? 'the token issuer\'s keys cannot be loaded; retry later'
        : d.message ?? d.reason;
  return new Response(JSON.stringify({ error: { code: d.reason, message } }), { status, headers });
}

/**
 * A UUID as Envoy's request-id extension would leave it: Envoy stores its trace decision in the
 * 15th character (`9` sampled, `4` not) and rewrites it in place, so pre-setting it keeps the
 * value the mesh records (`guid:x-request-id`) equal to the one recorded here.
 */
function envoyRequestId(sampled: boolean): string {
  const id = crypto.randomUUID();
  return `${id.slice(0, 14)}${sampled ? '9' : '4'}${id.slice(15)}`;
}

function subrequestPlan(config: ResolvedConfig, requestId: string, tracestate: string | undefined, decision: EdgeDecision | undefined): SubrequestPlan {
  const forward = config.edgeAuth?.assertion;
  let assertion: Promise<ForwardedAssertion> | undefined;
  return {
    classify(url) {
      const mesh = config.meshUrls.some((prefix) => url.href.startsWith(prefix));
      return { mesh, trace: mesh || config.propagateEverywhere };
    },
    formats: config.formats,
    tracestate,
    requestIdHeader: config.requestIdHeader,
    requestId,
    identityHeader: forward?.header ?? 'x-seam-identity',
    async assertion(span: Span) {
      if (!forward || !decision?.claims || decision.decision !== 'allow') return undefined;
      assertion ??= forward.sign(decision, requestId);
      const result = await assertion;
      if (result.kid) span.setAttribute('seam.assertion.kid', result.kid);
      if (result.error) {
        span.setAttribute('seam.assertion.error', result.error);
        if (result.ageSec !== undefined) span.setAttribute('seam.assertion.key_age_s', result.ageSec);
      }
      return result.token;
    },
  };
}
