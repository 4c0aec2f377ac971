/**
 * The few Workers runtime shapes the library touches, declared structurally so the package
 * type-checks against plain Web types and accepts Miniflare's or wrangler's KV objects alike.
 */
export interface KVStore {
  get(key: string, type: 'text'): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
}

export interface WaitUntilContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException?(): void;
}

/** Subset of `request.cf` that ends up on spans. */
export interface CfProperties {
  colo?: string;
  country?: string;
  asn?: number;
  httpProtocol?: string;
}
