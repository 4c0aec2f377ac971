import type { RecordingSpan } from './span.ts';

const serverSpans = new Set<RecordingSpan>();

export function trackServerSpan(span: RecordingSpan): () => void {
  serverSpans.add(span);
  return () => serverSpans.delete(span);
}

/**
 * Parent for a span started where no span is active. Without AsyncLocalStorage (no
 * `nodejs_compat`) the active context is lost after the first `await`; when exactly one request
 * is in flight in this isolate its SERVER span is unambiguously the parent. With several
 * requests in flight there is no safe guess, and the caller must pass a context explicitly.
 */
export function soleServerSpan(): RecordingSpan | undefined {
  if (serverSpans.size !== 1) return undefined;
  return serverSpans.values().next().value;
}
