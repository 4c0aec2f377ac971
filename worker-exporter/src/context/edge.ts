import type { Context } from '@opentelemetry/api';
import type { EdgeDecision } from '../identity/decide.ts';

/** What the instrumented handler can learn about the request it is serving. */
export interface EdgeContext {
  /** OpenTelemetry context with the request's SERVER span active; pass it to `context.with` or `startSpan`. */
  context: Context;
  traceId: string;
  spanId: string;
  /** Sent to the mesh in the request id header. */
  requestId: string;
  /** Undefined when `auth` is not configured. */
  decision: EdgeDecision | undefined;
}

// Keyed by the Request object, so lookups stay correct with many requests in flight and no AsyncLocalStorage.
const byRequest = new WeakMap<Request, EdgeContext>();

export function attachEdgeContext(request: Request, edge: EdgeContext): void {
  byRequest.set(request, edge);
}

/** The edge context of a request passed to an instrumented handler, or undefined for any other request. */
export function edgeContext(request: Request): EdgeContext | undefined {
  return byRequest.get(request);
}
