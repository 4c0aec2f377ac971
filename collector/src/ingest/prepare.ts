import type { AttributeStats } from '../decode/attributes.ts';
import { MalformedRequest, type DecodeLimits } from '../decode/limits.ts';
import { scanOtlpJsonTraces } from '../decode/otlp-json-traces.ts';
import { normalizeResourceLogs } from '../decode/otlp-logs.ts';
import { decodeOtlpProtobufTraces } from '../decode/otlp-proto-traces.ts';
import { decodeOtlpProtobufLogs } from '../decode/otlp-wire.ts';
import { normalizeResourceSpans } from '../decode/otlp-traces.ts';
import { normalizeZipkin } from '../decode/zipkin.ts';
import { enrichLog } from '../enrich/enrich-log.ts';
import { enrichSpan } from '../enrich/enrich-span.ts';
import type { EnrichOptions } from '../enrich/options.ts';
import { logBlock, spanBlock } from '../exporter/rows.ts';
import type { Table } from '../exporter/writer.ts';
import type { Decoded, Span } from '../model/span.ts';

export type Encoding = 'otlp-proto' | 'otlp-json' | 'zipkin';

/**
 * A request body as a receiver took it off the wire (decompressed, within the size limit). Once handed
 * to the pipeline it is no longer the receiver's: a prepare thread may take its memory.
 */
export interface RawRequest {
  signal: 'spans' | 'logs';
  encoding: Encoding;
  body: Uint8Array;
}

/** A request decoded, enriched and serialised: one Native block, ready for the write-ahead log. */
export interface Prepared {
  table: Table;
  block: Uint8Array;
  rows: number;
  /** Items refused one by one (OTLP partial success), and why. */
  rejected: number;
  rejectReasons: string[];
  /** Values cut at a limit. */
  truncated: number;
}

export interface PrepareOptions {
  limits: DecodeLimits;
  enrich: EnrichOptions;
}

// One block per table per thread, emptied for each request: its columns keep the buffers the last
// requests needed instead of growing each from 256 bytes by doubling, copying and leaving garbage.
let spans: ReturnType<typeof spanBlock> | undefined;
let logs: ReturnType<typeof logBlock> | undefined;

const expected = {
  'otlp-json': { spans: 'an OTLP/JSON ExportTraceServiceRequest', logs: 'an OTLP/JSON ExportLogsServiceRequest' },
  zipkin: { spans: 'a JSON array of Zipkin v2 spans', logs: 'a JSON array of Zipkin v2 spans' },
} as const;

/**
 * decode → enrich → serialise, the CPU work of a request, with nothing shared: it runs in whichever
 * thread the prepare pool picks. Throws MalformedRequest for a body that cannot be read at all.
 */
export function prepare(request: RawRequest, options: PrepareOptions): Prepared {
  const stats: AttributeStats = { truncated: 0 };
  if (request.signal === 'logs') {
    const message = request.encoding === 'otlp-proto' ? decodeOtlpProtobufLogs(request.body) : parse(request.body, expected[request.encoding].logs);
    const decoded = normalizeResourceLogs(message, request.encoding === 'otlp-proto' ? 'proto' : 'json', options.limits, stats);
    const block = (logs ??= logBlock());
    block.reset();
    for (const log of decoded.items) block.add(enrichLog(log, options.enrich));
    return { table: 'otel_logs', block: block.encode(), rows: block.rows, rejected: decoded.rejected, rejectReasons: decoded.rejectReasons, truncated: stats.truncated };
  }
  const decoded = decodeSpans(request.encoding, request.body, options.limits, stats);
  const block = (spans ??= spanBlock());
  block.reset();
  for (const span of decoded.items) block.add(enrichSpan(span, options.enrich));
  return { table: 'otel_traces', block: block.encode(), rows: block.rows, rejected: decoded.rejected, rejectReasons: decoded.rejectReasons, truncated: stats.truncated };
}

/** A spans request's body into spans, by its encoding: the decode step of `prepare`. */
export function decodeSpans(encoding: Encoding, body: Uint8Array, limits: DecodeLimits, stats: AttributeStats): Decoded<Span> {
  if (encoding === 'otlp-proto') return decodeOtlpProtobufTraces(body, limits, stats);
  if (encoding === 'zipkin') return normalizeZipkin(parse(body, expected.zipkin.spans), limits, stats);
  return scanOtlpJsonTraces(body, limits, stats) ?? normalizeResourceSpans(parse(body, expected['otlp-json'].spans), 'json', limits, stats);
}

function parse(body: Uint8Array, what: string): unknown {
  if (body.length === 0) throw new MalformedRequest(`the body is empty; send ${what}`);
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) as unknown;
  } catch (error) {
    throw new MalformedRequest(`the body is not valid JSON (${(error as Error).message}); send ${what}`);
  }
}
