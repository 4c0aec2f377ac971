import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeProto, LogsRequest, TraceRequest } from '../../collector/src/decode/otlp-proto.ts';

export const fixturesDir = fileURLToPath(new URL('../fixtures/istio/', import.meta.url));

export interface ScenarioIndex {
  trace_id: string;
  x_request_id: string;
  cf_ray: string;
  enduser_id: string;
  'edge_worker_span_id_in_traceparent(otlp_only)': string;
  spans: { proxy: string; kind: string; name: string; span_id: string; 'http.status_code': string }[];
}

export const scenarios = JSON.parse(readFileSync(join(fixturesDir, 'scenarios_index.json'), 'utf8')) as Record<string, ScenarioIndex>;

export function readFixture(relative: string): string {
  return readFileSync(join(fixturesDir, relative), 'utf8');
}

/** The per-proxy POST bodies of one scenario, in the order the proxies sent them. */
export function scenarioBodies(kind: 'zipkin' | 'otlp', scenario: string): string[] {
  const folder = join(fixturesDir, kind, scenario);
  return readdirSync(folder)
    .filter((name) => (kind === 'zipkin' ? name.startsWith('post_') : /^\d+_/.test(name)))
    .sort()
    .map((name) => readFileSync(join(folder, name), 'utf8'));
}

/**
 * Re-encodes an OTLP/JSON fixture as binary protobuf, which is what Envoy actually sends. Ids are hex in
 * OTLP/JSON and bytes in protobuf, so they are converted here rather than by a generic JSON reader.
 */
export function otlpJsonToProtobuf(json: string, signal: 'traces' | 'logs'): Uint8Array {
  const parsed = JSON.parse(json) as unknown;
  const converted = convertIds(parsed);
  return signal === 'traces' ? encodeProto(TraceRequest, converted as Record<string, unknown>) : encodeProto(LogsRequest, converted as Record<string, unknown>);
}

function convertIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convertIds);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if ((key === 'traceId' || key === 'spanId' || key === 'parentSpanId') && typeof inner === 'string') out[key] = Buffer.from(inner, 'hex');
    else out[key] = convertIds(inner);
  }
  return out;
}
