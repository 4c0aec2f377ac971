import type { SpanContext } from '@opentelemetry/api';
import { parseB3 } from './b3.ts';
import { parseTraceparent } from './traceparent.ts';

/** The caller's span context: W3C first (what a browser or OTel SDK sends), then B3. */
export function extractParent(headers: Headers): { parent: SpanContext; tracestate: string | undefined } | undefined {
  const w3c = parseTraceparent(headers.get('traceparent'));
  if (w3c) return { parent: w3c, tracestate: headers.get('tracestate') ?? undefined };
  const b3 = parseB3(headers);
  return b3 ? { parent: b3, tracestate: undefined } : undefined;
}
