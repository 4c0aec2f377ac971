import { TraceFlags, type SpanContext } from '@opentelemetry/api';
import type { PropagationFormat } from '../trace/request-trace.ts';
import { formatTraceparent } from './traceparent.ts';

const ALL_TRACE_HEADERS = ['traceparent', 'tracestate', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags'];

/**
 * Writes the subrequest's trace context. Headers the caller passed in are removed first, so the
 * mesh never sees two disagreeing contexts (a stale B3 next to a fresh traceparent).
 */
export function injectTraceHeaders(
  headers: Headers,
  span: SpanContext,
  parentSpanId: string | undefined,
  formats: readonly PropagationFormat[],
  tracestate: string | undefined,
): void {
  for (const name of ALL_TRACE_HEADERS) headers.delete(name);
  const sampled = (span.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '1' : '0';
  for (const format of formats) {
    if (format === 'tracecontext') {
      headers.set('traceparent', formatTraceparent(span));
      if (tracestate) headers.set('tracestate', tracestate);
    } else if (format === 'b3') {
      headers.set('b3', `${span.traceId}-${span.spanId}-${sampled}${parentSpanId ? `-${parentSpanId}` : ''}`);
    } else {
      headers.set('x-b3-traceid', span.traceId);
      headers.set('x-b3-spanid', span.spanId);
      if (parentSpanId) headers.set('x-b3-parentspanid', parentSpanId);
      headers.set('x-b3-sampled', sampled);
    }
  }
}
