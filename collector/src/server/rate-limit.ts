import { createHash } from 'node:crypto';

export interface RateLimitOptions {
  /** Spans and log records per second each client may send; 0 turns the limit off. */
  itemsPerSecond: number;
  /** Items a client may send at once after being idle. */
  burstItems: number;
}

export const defaultRateLimitOptions: RateLimitOptions = { itemsPerSecond: 0, burstItems: 0 };

/** A client sent more than its share: the receiver answers 429 / RESOURCE_EXHAUSTED with a retry hint. */
export class RateLimited extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`this client is over its rate limit (rateLimit.itemsPerSecond); retry after ${retryAfterSeconds} s or send less often`);
  }
}

// Idle buckets are full and carry no state worth keeping; past this many clients they are forgotten.
const maxTrackedClients = 10_000;

/**
 * One token bucket per client, so a noisy exporter is slowed down without starving the others. A client
 * is its bearer token when it sends one (several pods behind one NAT share an address, not a token),
 * otherwise its source address. A request is admitted while the bucket is not empty and may take it
 * below zero, so a request larger than the burst still gets through once the client has waited.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly options: RateLimitOptions,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get enabled(): boolean {
    return this.options.itemsPerSecond > 0;
  }

  /** Charges `items` to `client`; throws RateLimited when the client's bucket is empty. */
  take(client: string, items: number): void {
    if (!this.enabled) return;
    const { itemsPerSecond, burstItems } = this.options;
    const capacity = Math.max(burstItems, itemsPerSecond);
    const now = this.now();
    const bucket = this.buckets.get(client) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * itemsPerSecond);
    bucket.at = now;
    if (bucket.tokens <= 0) {
      this.buckets.set(client, bucket);
      throw new RateLimited(Math.max(1, Math.ceil((1 - bucket.tokens) / itemsPerSecond)));
    }
    bucket.tokens -= items;
    this.buckets.set(client, bucket);
    if (this.buckets.size > maxTrackedClients) this.forgetIdle(now, capacity);
  }

  private forgetIdle(now: number, capacity: number): void {
    for (const [client, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.options.itemsPerSecond >= capacity) this.buckets.delete(client);
    }
  }
}

/** The rate-limit key of a request: a hash of its bearer token, or its source address. */
export function clientKey(authorization: string | undefined, address: string | undefined): string {
  const token = authorization && /^Bearer\s+(\S+)/i.exec(authorization)?.[1];
  return token ? `token:${createHash('sha256').update(token).digest('hex').slice(0, 16)}` : `address:${address ?? 'unknown'}`;
}
