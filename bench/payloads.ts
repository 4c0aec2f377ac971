import { defaultDecodeLimits } from '../collector/src/decode/limits.ts';
import { defaultEnrichOptions } from '../collector/src/enrich/options.ts';
import { decodeSpans, prepare, type RawRequest } from '../collector/src/ingest/prepare.ts';
import type { Decoded, Span } from '../collector/src/model/span.ts';
import { toOtlpJson, toZipkinJson, type AbstractSpan } from '../test/generator/encode.ts';
import { Random } from '../test/generator/random.ts';
import { otlpJsonToProtobuf } from '../test/helpers/fixtures.ts';

export type Format = 'otlp-proto' | 'otlp-json' | 'zipkin';
export const formats: Format[] = ['otlp-proto', 'otlp-json', 'zipkin'];

export const endpoint: Record<Format, { listener: 'otlpHttp' | 'zipkin'; path: string; contentType: string }> = {
  'otlp-proto': { listener: 'otlpHttp', path: '/v1/traces', contentType: 'application/x-protobuf' },
  'otlp-json': { listener: 'otlpHttp', path: '/v1/traces', contentType: 'application/json' },
  zipkin: { listener: 'zipkin', path: '/api/v2/spans', contentType: 'application/json' },
};

const ms = 1_000_000n;

/**
 * One batch of mesh SERVER spans shaped as Istio's Envoy reports them, 20 attributes each, so the
 * byte and parse cost per span is that of real sidecar traffic rather than of a minimal span.
 */
function meshBatch(rng: Random, spans: number, startMs: number): AbstractSpan[] {
  return Array.from({ length: spans }, (_, i) => {
    const denied = rng.int(10) === 0;
    return {
      traceId: rng.hex(32),
      spanId: rng.hex(16),
      parentId: rng.hex(16),
      name: 'reviews.default.svc.cluster.local:9080/api/v1/products*',
      kind: 'Server',
      service: 'reviews.default',
      startNs: BigInt(startMs + i) * ms,
      durationNs: 7n * ms,
      resource: { 'telemetry.sdk.name': 'envoy', 'telemetry.sdk.language': 'cpp' },
      attributes: {
        node_id: `sidecar~10.244.1.${rng.int(250)}~reviews-v1-7d9f8c6b5-${rng.hex(5)}.default~default.svc.cluster.local`,
        zone: 'europe-west1-b',
        component: 'proxy',
        'guid:x-request-id': rng.uuid(),
        'http.url': `http://reviews.default.svc.cluster.local:9080/api/v1/products/${rng.int(1000)}/reviews`,
        'http.method': 'GET',
        'http.protocol': 'HTTP/1.1',
        'http.status_code': denied ? '403' : '200',
        'user_agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
        response_size: denied ? '19' : String(1000 + rng.int(2000)),
        response_flags: '-',
        'upstream_cluster': 'inbound|9080||',
        'upstream_cluster.name': 'inbound|9080||;',
        'peer.address': `10.244.2.${rng.int(250)}`,
        'downstream_cluster': '-',
        'istio.mesh_id': 'cluster.local',
        'istio.canonical_service': 'reviews',
        'istio.canonical_revision': 'v1',
        'istio.namespace': 'default',
        'request_size': '0',
      },
    };
  });
}

export interface PayloadSet {
  format: Format;
  bodies: Buffer[];
  spansPerBody: number;
}

/** `distinct` different bodies of `spansPerBody` spans in one format; the load generator cycles through them. */
export function buildPayloads(format: Format, distinct: number, spansPerBody: number, seed: number): PayloadSet {
  const rng = new Random(seed);
  const startMs = Date.now() - 3600_000;
  const bodies = Array.from({ length: distinct }, (_, b) => {
    const spans = meshBatch(rng, spansPerBody, startMs + b * spansPerBody);
    if (format === 'zipkin') return Buffer.from(toZipkinJson(spans));
    const json = toOtlpJson(spans);
    return format === 'otlp-json' ? Buffer.from(json) : Buffer.from(otlpJsonToProtobuf(json, 'traces'));
  });
  return { format, bodies, spansPerBody };
}

/** What a receiver does with a body before the pipeline: parse and normalise (no enrichment, no rows). */
export function decode(format: Format, body: Buffer): Decoded<Span> {
  return decodeSpans(format, body, defaultDecodeLimits, { truncated: 0 });
}

/** A Native block and how many rows it holds. */
export interface Rows {
  body: Buffer;
  rows: number;
}

const prepareOptions = { limits: defaultDecodeLimits, enrich: defaultEnrichOptions };

function rowsOf(request: RawRequest): Rows {
  const { block, rows } = prepare(request, prepareOptions);
  return { body: Buffer.from(block.buffer, block.byteOffset, block.byteLength), rows };
}

/** decode → enrich → serialise, the collector's CPU work per request with the store left out. */
export function toRows(format: Format, body: Buffer): Rows {
  return rowsOf({ signal: 'spans', encoding: format, body });
}

/** The rows of one generator batch (spans or access logs), as the matching receiver would produce them. */
export function generatorRows(receiver: 'otlp-json' | 'otlp-proto' | 'zipkin' | 'logs', body: string): Rows & { table: 'otel_traces' | 'otel_logs' } {
  if (receiver === 'logs') return { table: 'otel_logs', ...rowsOf({ signal: 'logs', encoding: 'otlp-json', body: Buffer.from(body) }) };
  return { table: 'otel_traces', ...toRows(receiver === 'zipkin' ? 'zipkin' : 'otlp-json', Buffer.from(body)) };
}
