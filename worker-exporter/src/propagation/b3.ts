import { TraceFlags, type SpanContext } from '@opentelemetry/api';

const ID64 = /^[0-9a-f]{16}$/;
const TRACE_ID = /^([0-9a-f]{16}|[0-9a-f]{32})$/;

/**
 * Reads B3 single (`b3`) or multi (`x-b3-*`) headers as Envoy's Zipkin tracer writes them.
 * 64-bit trace ids are left-padded to 128 bits, the form Zipkin and OTLP use for the same trace.
 */
export function parseB3(headers: Headers): SpanContext | undefined {
  const single = headers.get('b3');
  if (single) {
    const [traceId, spanId, sampling] = single.trim().toLowerCase().split('-');
    return b3Context(traceId, spanId, sampling === '1' || sampling === 'd');
  }
  const sampled = headers.get('x-b3-sampled')?.toLowerCase();
  return b3Context(
    headers.get('x-b3-traceid')?.toLowerCase(),
    headers.get('x-b3-spanid')?.toLowerCase(),
    sampled === '1' || sampled === 'true' || headers.get('x-b3-flags') === '1',
  );
}

function b3Context(traceId: string | undefined, spanId: string | undefined, sampled: boolean): SpanContext | undefined {
  if (!traceId || !spanId || !TRACE_ID.test(traceId) || !ID64.test(spanId)) return undefined;
  const fullTraceId = traceId.padStart(32, '0');
  if (/^0+$/.test(fullTraceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId: fullTraceId, spanId, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true };
}
