import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AttributeStats } from '../decode/attributes.ts';
import { MalformedRequest, type DecodeLimits } from '../decode/limits.ts';
import { normalizeResourceLogs } from '../decode/otlp-logs.ts';
import { encodeProto, LogsResponse, TraceResponse } from '../decode/otlp-proto.ts';
import { decodeOtlpProtobuf } from '../decode/otlp-wire.ts';
import { normalizeResourceSpans } from '../decode/otlp-traces.ts';
import type { Outcome, Pipeline } from '../pipeline.ts';
import { clientKey } from '../server/rate-limit.ts';
import { isProtobuf, sendFailure, sendOtlpError } from './respond.ts';

export interface OtlpHttpOptions {
  pipeline: Pipeline;
  limits: DecodeLimits;
}

const otherMethods = ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * OTLP/HTTP: `POST /v1/traces` and `POST /v1/logs`, binary protobuf or OTLP/JSON, optionally gzip or
 * deflate. Answers in the request's encoding: 200 (with `partial_success` when some items were
 * refused), 400 undecodable, 413 too large after decompression, 415 other media types, 405 other
 * methods, 503 + Retry-After when the store cannot take the data now.
 */
export async function otlpHttpReceiver(app: FastifyInstance, options: OtlpHttpOptions): Promise<void> {
  const { pipeline, limits } = options;

  app.post('/v1/traces', async (request, reply) => {
    const stats: AttributeStats = { truncated: 0 };
    try {
      const message = readBody(request, 'ExportTraceServiceRequest');
      const decoded = normalizeResourceSpans(message, isProtobuf(request) ? 'proto' : 'json', limits, stats);
      const outcome = await pipeline.acceptSpans('otlp-http', decoded, stats, clientKey(request.headers.authorization, request.ip));
      return sendOutcome(request, reply, outcome, 'spans');
    } catch (error) {
      if (error instanceof MalformedRequest) pipeline.refused('otlp-http', 'spans');
      return sendFailure(request, reply, error);
    }
  });

  app.post('/v1/logs', async (request, reply) => {
    const stats: AttributeStats = { truncated: 0 };
    try {
      const message = readBody(request, 'ExportLogsServiceRequest');
      const decoded = normalizeResourceLogs(message, isProtobuf(request) ? 'proto' : 'json', limits, stats);
      const outcome = await pipeline.acceptLogs('otlp-http', decoded, stats, clientKey(request.headers.authorization, request.ip));
      return sendOutcome(request, reply, outcome, 'logs');
    } catch (error) {
      if (error instanceof MalformedRequest) pipeline.refused('otlp-http', 'logs');
      return sendFailure(request, reply, error);
    }
  });

  for (const url of ['/v1/traces', '/v1/logs']) {
    app.route({
      method: [...otherMethods],
      url,
      handler: (request, reply) => {
        reply.header('allow', 'POST');
        return sendOtlpError(request, reply, 405, `${request.method} is not allowed on ${url}; OTLP/HTTP exporters POST here`);
      },
    });
  }
}

function readBody(request: FastifyRequest, messageName: 'ExportTraceServiceRequest' | 'ExportLogsServiceRequest'): unknown {
  const body = request.body as Buffer | undefined;
  const bytes = body ?? Buffer.alloc(0);
  if (isProtobuf(request)) return decodeOtlpProtobuf(messageName === 'ExportTraceServiceRequest' ? 'traces' : 'logs', bytes);
  if (bytes.length === 0) throw new MalformedRequest(`the body is empty; send an OTLP/JSON ${messageName}`);
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw new MalformedRequest(`the body is not valid JSON (${(error as Error).message}); send an OTLP/JSON ${messageName}`);
  }
}

function sendOutcome(request: FastifyRequest, reply: FastifyReply, outcome: Outcome, signal: 'spans' | 'logs'): FastifyReply {
  const rejectedKey = signal === 'spans' ? 'rejectedSpans' : 'rejectedLogRecords';
  const partialSuccess = outcome.rejected > 0 ? { [rejectedKey]: outcome.rejected, errorMessage: outcome.message } : {};
  if (isProtobuf(request)) {
    const type = signal === 'spans' ? TraceResponse : LogsResponse;
    return reply.type('application/x-protobuf').send(Buffer.from(encodeProto(type, { partialSuccess })));
  }
  const json = outcome.rejected > 0 ? { partialSuccess: { [rejectedKey]: String(outcome.rejected), errorMessage: outcome.message } } : { partialSuccess: {} };
  return reply.type('application/json').send(json);
}
