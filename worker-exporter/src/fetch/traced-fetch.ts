import { context, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { injectTraceHeaders } from '../propagation/inject.ts';
import { soleServerSpan } from '../trace/in-flight.ts';
import { RecordingSpan } from '../trace/span.ts';

/**
 * A `fetch` that records a CLIENT span for each subrequest made while serving an instrumented
 * request, and decorates subrequests to the mesh with trace context, request id and identity.
 * Outside a request it is the plain fetch.
 */
export function tracedFetch(original: typeof fetch, tracer: Tracer): typeof fetch {
  return async function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const active = trace.getSpan(context.active());
    const parent = active instanceof RecordingSpan ? active : active ? undefined : soleServerSpan();
    const plan = parent?.trace.subrequests;
    if (!parent || !plan) return original(input, init);

    const request = new Request(input, init);
    const url = new URL(request.url);
    const span = tracer.startSpan(
      request.method,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': request.method,
          'url.full': `${url.origin}${url.pathname}`,
          'server.address': url.hostname,
          ...(url.port ? { 'server.port': Number(url.port) } : {}),
        },
      },
      trace.setSpan(context.active(), parent),
    );
    try {
      const headers = new Headers(request.headers);
      const target = plan.classify(url);
      if (target.trace) injectTraceHeaders(headers, span.spanContext(), parent.spanContext().spanId, plan.formats, plan.tracestate);
      if (target.mesh) {
        headers.set(plan.requestIdHeader, plan.requestId);
        span.setAttribute('seam.request_id', plan.requestId);
        // The collector links this subrequest to the mesh's ingress by subject and time when neither
        // trace context nor the request id survives the boundary.
        const subject = parent.attributes['enduser.id'];
        if (typeof subject === 'string') span.setAttribute('enduser.id', subject);
        const assertion = await plan.assertion(span);
        if (assertion) headers.set(plan.identityHeader, assertion);
        else headers.delete(plan.identityHeader);
      }
      const response = await original(new Request(request, { headers }));
      span.setAttribute('http.response.status_code', response.status);
      if (response.status >= 400) {
        span.setAttribute('error.type', String(response.status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      return response;
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      span.recordException(error);
      span.setAttribute('error.type', error.name);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      throw e;
    } finally {
      span.end();
    }
  } as typeof fetch;
}
