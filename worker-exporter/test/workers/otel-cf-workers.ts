import { trace } from '@opentelemetry/api';
import { instrument, type Trigger } from '@microlabs/otel-cf-workers';

// A team's edge gateway instrumented with @microlabs/otel-cf-workers instead of Seam's exporter. Its
// handler records what DESIGN.md's edge span conventions ask for on the active (SERVER) span, as such
// a team would; the library's own `fetch` CLIENT spans carry neither the subject nor a request id.
// The caller's identity comes from headers the test sets: token checks are not what is tested here.

interface Env {
  OTLP_URL: string;
  MESH_URL: string;
  PROFILE_URL: string;
}

const handler = {
  async fetch(request: Request, env: Env): Promise<Response> {
    const subject = request.headers.get('x-test-subject') ?? '';
    const allowed = subject !== '';
    trace.getActiveSpan()?.setAttributes({
      'enduser.id': subject,
      'seam.auth.issuer': 'https://idp.test/',
      'seam.auth.kid': 'idp-1',
      'seam.auth.groups': ['shoppers'],
      'seam.authz.decision': allowed ? 'allow' : 'deny',
      'seam.authz.reason': allowed ? 'route_policy' : 'jwt_missing',
      'seam.authz.policy': 'route:/api/',
      'cloudflare.ray_id': request.headers.get('cf-ray') ?? '',
    });
    if (!allowed) return new Response('unauthorized', { status: 401 });
    // A call outside the mesh first: only the mesh side can tell which subrequest entered it.
    await (await fetch(env.PROFILE_URL)).text();
    const upstream = await fetch(`${env.MESH_URL}${new URL(request.url).pathname}`, { headers: { 'x-test-subject': subject } });
    return new Response(await upstream.text(), { status: upstream.status });
  },
};

export default instrument(handler, (env: Record<string, unknown>, trigger: Trigger) => ({
  exporter: { url: String(env.OTLP_URL) },
  service: { name: 'edge-storefront' },
  // A proxy on the way that drops trace headers, as some CDNs and egress gateways do.
  globals: { fetch: { includeTraceContext: !(trigger instanceof Request && trigger.headers.get('x-test-strip-trace') === '1') } },
}));
