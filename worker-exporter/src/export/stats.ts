let dropped = 0;

/**
 * Spans this isolate recorded but will never deliver: collector down or refusing after retries,
 * exporter queue full, or over the per-request span cap. Isolate-wide, since it started.
 */
export function droppedSpans(): number {
  return dropped;
}

export function recordDroppedSpans(count: number): void {
  dropped += count;
}
