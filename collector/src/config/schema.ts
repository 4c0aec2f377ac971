import { availableParallelism } from 'node:os';
import { defaultDecodeLimits, type DecodeLimits } from '../decode/limits.ts';
import { defaultEnrichOptions, type EnrichOptions } from '../enrich/options.ts';
import { defaultWriterOptions, type AckMode, type WriterOptions } from '../exporter/writer.ts';
import { defaultRollupOptions, type RollupOptions } from '../rollup/schedule.ts';
import { defaultRateLimitOptions, type RateLimitOptions } from '../server/rate-limit.ts';

export interface SeamConfig {
  host: string;
  ports: { otlpHttp: number; otlpGrpc: number; zipkin: number; api: number };
  dataDir: string;
  clickhouse: { url: string; user: string; password: string; database: string; cluster: string };
  /** `auto`: credentials optional while every listener is on loopback, required otherwise. */
  auth: 'auto' | 'on' | 'off';
  /**
   * `same`: receivers demand what `auth` demands. `off`: receivers take unauthenticated data while the
   * API still requires credentials — for meshes whose Envoy exporters (Zipkin, access logs) cannot send
   * a token; protect the receiver ports with a NetworkPolicy instead.
   */
  receiverAuth: 'same' | 'off';
  /** SHA-256 (hex) of the bearer tokens accepted on every listener; several at once allow rotation. */
  tokenHashes: string[];
  retentionDays: number;
  /** Who may read the query API beyond the bearer tokens: tenant tokens and JWTs (JWTs also authenticate receivers). */
  api: {
    /** JSON map of a token's SHA-256 hex to the namespaces or services it may read. */
    tenants: string;
    /** A JWKS document (inline JSON) or the URL serving it; empty disables JWTs. */
    jwks: string;
    jwtIssuer: string;
    jwtAudience: string;
    /** The JWT claim listing the holder's namespaces. */
    tenantClaim: string;
  };
  limits: DecodeLimits & { maxBodyBytes: number };
  /**
   * `wal`: answer a request once its rows are fsynced in the write-ahead log (`<dataDir>/spool`), which
   * then feeds ClickHouse. `store`: answer once they are in ClickHouse, for deployments without a disk
   * that outlives the container (the log is then used only while ClickHouse is slow or away).
   */
  ack: AckMode;
  /**
   * Worker threads that decode, enrich and serialise requests, so that this work uses every core while
   * the main thread handles connections and the log; 0 does it in the main thread.
   */
  prepareThreads: number;
  writer: WriterOptions;
  /** Per-client (bearer token, else source address) ingest limit; 429 / RESOURCE_EXHAUSTED past it. */
  rateLimit: RateLimitOptions;
  enrich: EnrichOptions;
  correlation: {
    /** Largest gap between the edge's subrequest and the mesh's ingress for an `identity_time` link. */
    identityWindowMs: number;
    /** A signing key first seen longer ago than this is past its rotation window (`stale_key`). */
    keyRotationHours: number;
  };
  /** Per-minute decision counts and mismatches; minutes not yet rolled up are read from rows. */
  rollup: RollupOptions;
}

export const defaultConfig: SeamConfig = {
  host: '127.0.0.1',
  ports: { otlpHttp: 4318, otlpGrpc: 4317, zipkin: 9411, api: 8080 },
  dataDir: './data',
  clickhouse: { url: '', user: 'default', password: '', database: 'default', cluster: '' },
  auth: 'auto',
  receiverAuth: 'same',
  tokenHashes: [],
  retentionDays: 30,
  api: { tenants: '', jwks: '', jwtIssuer: '', jwtAudience: '', tenantClaim: 'seam_namespaces' },
  limits: { ...defaultDecodeLimits, maxBodyBytes: 20 * 1024 * 1024 },
  ack: 'wal',
  prepareThreads: availableParallelism(),
  writer: defaultWriterOptions,
  rateLimit: defaultRateLimitOptions,
  enrich: defaultEnrichOptions,
  correlation: { identityWindowMs: 2000, keyRotationHours: 24 },
  rollup: defaultRollupOptions,
};

/** Where each environment variable lands in the configuration. */
export const environmentVariables: Record<string, string> = {
  SEAM_HOST: 'host',
  SEAM_OTLP_HTTP_PORT: 'ports.otlpHttp',
  SEAM_OTLP_GRPC_PORT: 'ports.otlpGrpc',
  SEAM_ZIPKIN_PORT: 'ports.zipkin',
  SEAM_API_PORT: 'ports.api',
  SEAM_DATA_DIR: 'dataDir',
  CLICKHOUSE_URL: 'clickhouse.url',
  CLICKHOUSE_USER: 'clickhouse.user',
  CLICKHOUSE_PASSWORD: 'clickhouse.password',
  CLICKHOUSE_DATABASE: 'clickhouse.database',
  SEAM_AUTH: 'auth',
  SEAM_ACK: 'ack',
  SEAM_PREPARE_THREADS: 'prepareThreads',
  SEAM_RECEIVER_AUTH: 'receiverAuth',
  SEAM_TOKEN_HASHES: 'tokenHashes',
  SEAM_RETENTION_DAYS: 'retentionDays',
  SEAM_ROLLUP_INTERVAL_SECONDS: 'rollup.intervalSeconds',
  SEAM_ROLLUP_GRACE_SECONDS: 'rollup.graceSeconds',
  SEAM_API_TENANTS: 'api.tenants',
  SEAM_API_JWKS: 'api.jwks',
  SEAM_API_JWT_ISSUER: 'api.jwtIssuer',
  SEAM_API_JWT_AUDIENCE: 'api.jwtAudience',
  SEAM_API_TENANT_CLAIM: 'api.tenantClaim',
};
