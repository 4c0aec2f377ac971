import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MalformedRequest } from '../decode/limits.ts';
import { encodeProto, LogsResponse, TraceResponse } from '../decode/otlp-proto.ts';
import type { RawRequest } from '../ingest/prepare.ts';
import type { Outcome, Pipeline } from '../pipeline.ts';
import { clientKey } from '../server/rate-limit.ts';
import { isProtobuf, sendFailure, sendOtlpError } from './respond.ts';

export interface OtlpHttpOptions {
  pipeline: Pipeline;
}

const otherMethods = ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * OTLP/HTTP: `POST /v1/traces` and `POST /v1/logs`, binary protobuf or OTLP/JSON, optionally gzip or
 * deflate. Answers in the request's encoding: 200 (with `partial_success` when some items were
 * refused), 400 undecodable, 413 too large after decompression, 415 other media types, 405 other
 * methods, 503 + Retry-After when the backlog not yet in ClickHouse is over its limits.
 */
export async function otlpHttpReceiver(app: FastifyInstance, options: OtlpHttpOptions): Promise<void> {
  const { pipeline } = options;

  for (const [url, signal] of [['/v1/traces', 'spans'], ['/v1/logs', 'logs']] as const) {
    app.post(url, async (request, reply) => {
      try {
        const outcome = await pipeline.accept('otlp-http', rawRequest(request, signal), clientKey(request.headers.authorization, request.ip));
        return sendOutcome(request, reply, outcome, signal);
      } catch (error) {
        if (error instanceof MalformedRequest) pipeline.refused('otlp-http', signal);
        return sendFailure(request, reply, error);
      }
    });
  }

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

function rawRequest(request: FastifyRequest, signal: 'spans' | 'logs'): RawRequest {
  return { signal, encoding: isProtobuf(request) ? 'otlp-proto' : 'otlp-json', body: (request.body as Buffer | undefined) ?? Buffer.alloc(0) };
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
