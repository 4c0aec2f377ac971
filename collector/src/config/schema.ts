import { defaultDecodeLimits, type DecodeLimits } from '../decode/limits.ts';
import { defaultEnrichOptions, type EnrichOptions } from '../enrich/options.ts';
import { defaultWriterOptions, type WriterOptions } from '../exporter/batch-writer.ts';
import { defaultRateLimitOptions, type RateLimitOptions } from '../server/rate-limit.ts';

export interface SeamConfig {
  host: string;
  ports: { otlpHttp: number; otlpGrpc: number; zipkin: number; api: number };
  dataDir: string;
  clickhouse: { url: string; user: string; password: string; database: string; cluster: string };
  /** `auto`: credentials optional while every listener is on loopback, required otherwise. */
  auth: 'auto' | 'on' | 'off';
  /** SHA-256 (hex) of the bearer tokens accepted on every listener; several at once allow rotation. */
  tokenHashes: string[];
  retentionDays: number;
  limits: DecodeLimits & { maxBodyBytes: number };
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
}

export const defaultConfig: SeamConfig = {
  host: '127.0.0.1',
  ports: { otlpHttp: 4318, otlpGrpc: 4317, zipkin: 9411, api: 8080 },
  dataDir: './data',
  clickhouse: { url: '', user: 'default', password: '', database: 'default', cluster: '' },
  auth: 'auto',
  tokenHashes: [],
  retentionDays: 30,
  limits: { ...defaultDecodeLimits, maxBodyBytes: 20 * 1024 * 1024 },
  writer: defaultWriterOptions,
  rateLimit: defaultRateLimitOptions,
  enrich: defaultEnrichOptions,
  correlation: { identityWindowMs: 2000, keyRotationHours: 24 },
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
  SEAM_TOKEN_HASHES: 'tokenHashes',
  SEAM_RETENTION_DAYS: 'retentionDays',
};
