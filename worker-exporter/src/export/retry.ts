export const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/**
 * Milliseconds to wait before the next attempt: the server's `Retry-After` (seconds or an HTTP
 * date) when given, otherwise exponential backoff with full jitter.
 */
export function retryDelayMs(retryAfter: string | null, attempt: number, baseMs: number, now = Date.now()): number {
  if (retryAfter) {
    const trimmed = retryAfter.trim();
    if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
    const date = Date.parse(trimmed);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return Math.random() * baseMs * 2 ** attempt;
}
