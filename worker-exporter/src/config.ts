import type { ClaimMapping } from './mapping/document.ts';
import type { RoutePolicy } from './policy/document.ts';
import type { OTLPExporterOptions } from './export/exporter.ts';
import type { ExportableSpan } from './export/otlp-json.ts';
import type { KVStore } from './lib/runtime.ts';
import type { PropagationFormat } from './trace/request-trace.ts';

/** What `instrument(handler, (env) => config)` accepts. Only `service` is required. */
export interface SeamConfig {
  service: { name: string; version?: string; namespace?: string };
  /** OTLP/HTTP JSON exporter options, or any OpenTelemetry `SpanExporter`. Omit to record nothing. */
  exporter?: OTLPExporterOptions | SpanExporterLike;
  /**
   * Spans of the requests an isolate serves close together go out in one export, so a busy Worker
   * makes one subrequest for many requests. Each request's `waitUntil` lasts until its spans are sent.
   */
  batch?: {
    /** How long a request's spans wait for others'. Default 200 ms; 0 exports each request's spans at its end. */
    delayMs?: number;
    /** A batch this large goes out at once. Default 512 spans. */
    maxSpans?: number;
  };
  sampling?: {
    /** Head sampling ratio for requests without an incoming sampled flag. Default 1. */
    ratio?: number;
    /** Requests at least this slow are kept whatever the head decision. Default 1000 ms. */
    slowMs?: number;
  };
  /** Caller authentication. Omit to trace without verifying anyone. */
  auth?: {
    jwksUrl: string;
    issuer: string | string[];
    audience: string | string[];
    /** Default `["RS256", "ES256"]`. `none` and HMAC algorithms are never useful with a remote JWKS. */
    algorithms?: string[];
    /** Default 30 s. */
    clockToleranceSec?: number;
    /** KV namespace caching the JWKS across isolates. */
    jwksCache?: KVStore;
    /** Refetch the JWKS once the cached copy is this old. Default 300 s. */
    jwksRefreshSec?: number;
    /** Keep using cached keys while the JWKS URL is down, up to this age. Default 86400 s. */
    jwksMaxStaleSec?: number;
    /** Default 3000 ms. */
    jwksTimeoutMs?: number;
    /** Answer denied requests with 401/403/503 without calling the handler. Default true. */
    enforce?: boolean;
    /** Exact paths served without authentication (decision `allow`, reason `public_path`). */
    publicPaths?: string[];
  };
  /** Claim → group rules: a `seam.claim-mapping/v1` document or its JSON text. */
  mapping?: ClaimMapping | string;
  /** Route policy: a `seam.route-policy/v1` document or its JSON text. */
  routePolicy?: RoutePolicy | string;
  /** The mesh: subrequests to these URL prefixes get the request id and the identity assertion. */
  mesh?: {
    urls: string[];
    /** Default `x-request-id` (what Envoy reads and tags as `guid:x-request-id`). */
    requestIdHeader?: string;
  };
  propagation?: {
    /** Default `["tracecontext", "b3multi"]`. */
    formats?: PropagationFormat[];
    /** Also send trace headers to URLs outside the mesh. Default false. */
    everywhere?: boolean;
  };
  /** Identity assertion forwarded to the mesh; needs `auth` and `mesh`. */
  assertion?: {
    /** KV namespace holding the signing keys (`rotateSigningKeys` writes them). */
    keys: KVStore;
    issuer: string;
    audience: string;
    /** Default `x-seam-identity`. */
    header?: string;
    /** Default 60 s. */
    ttlSec?: number;
    /** Use a new key only once published this long. Default 1800 s (istiod refreshes JWKS every 20 min). */
    activationDelaySec?: number;
    /** The rotation window: a key older than this is refused for signing. Default 86400 s. */
    maxKeyAgeSec?: number;
  };
}

/** The OpenTelemetry SDK's `SpanExporter` contract, structurally. */
export interface SpanExporterLike {
  export(spans: ExportableSpan[], resultCallback: (result: { code: number; error?: Error }) => void): void;
  shutdown(): Promise<void>;
}
