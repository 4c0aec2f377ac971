import type { SpanContext } from '@opentelemetry/api';
import { TraceFlags } from '@opentelemetry/api';

/**
 * Head decision: a caller's sampled flag wins (so edge and mesh keep or drop the same traces);
 * otherwise the ratio is applied to the trace id, so every hop that samples by trace id agrees.
 */
export function headSampled(parent: SpanContext | undefined, traceId: string, ratio: number): boolean {
  if (parent) return (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  return parseInt(traceId.slice(-8), 16) / 0x1_0000_0000 < ratio;
}
