import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MalformedRequest } from '../decode/limits.ts';
import { encodeProto, RpcStatus } from '../decode/otlp-proto.ts';
import { QueueFull, WriteFailed } from '../exporter/writer.ts';
import { RateLimited } from '../server/rate-limit.ts';

// gRPC status codes used in OTLP error bodies.
const grpcCode = { invalidArgument: 3, notFound: 5, resourceExhausted: 8, unimplemented: 12, unavailable: 14, unauthenticated: 16 } as const;

function grpcCodeFor(status: number): number {
  if (status === 401) return grpcCode.unauthenticated;
  if (status === 404) return grpcCode.notFound;
  if (status === 405 || status === 415) return grpcCode.unimplemented;
  if (status === 429) return grpcCode.resourceExhausted;
  if (status >= 400 && status < 500) return grpcCode.invalidArgument;
  return grpcCode.unavailable;
}

export function isProtobuf(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').includes('protobuf');
}

/**
 * Sends an OTLP error as a google.rpc.Status in the request's encoding. Retryable failures carry
 * `Retry-After`, which OTLP exporters honour.
 */
export function sendOtlpError(request: FastifyRequest, reply: FastifyReply, status: number, message: string, retryAfter?: number): FastifyReply {
  const code = grpcCodeFor(status);
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  reply.code(status);
  if (isProtobuf(request)) return reply.type('application/x-protobuf').send(Buffer.from(encodeProto(RpcStatus, { code, message })));
  return reply.type('application/json').send({ code, message });
}

/** Maps what a receiver can throw after decoding to the status an exporter understands. */
export function sendFailure(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof MalformedRequest) return sendOtlpError(request, reply, 400, error.message);
  if (error instanceof RateLimited) return sendOtlpError(request, reply, 429, error.message, error.retryAfterSeconds);
  if (error instanceof QueueFull) return sendOtlpError(request, reply, 503, error.message, error.retryAfterSeconds);
  if (error instanceof WriteFailed) return sendOtlpError(request, reply, 503, `${error.message}; nothing from this request was stored, retry it`, 5);
  throw error;
}

/** OTLP-shaped answers for what Fastify refuses before a handler runs (size, media type, bad gzip, unknown path). */
export function useOtlpErrors(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    let message = error.message;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      message = `the body is larger than ${bodyLimit} bytes after decompression; send smaller batches or raise limits.maxBodyBytes`;
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      message = `Content-Type "${request.headers['content-type'] ?? ''}" is not supported; use application/x-protobuf or application/json`;
    } else if (status === 500) {
      request.log.error(error);
      message = 'internal error while handling the request; nothing from it was stored, retry it';
    }
    return sendOtlpError(request, reply, status, message);
  });
  app.setNotFoundHandler((request, reply) =>
    sendOtlpError(request, reply, 404, `no receiver at ${request.method} ${request.url}; OTLP/HTTP uses POST /v1/traces and /v1/logs, Zipkin POST /api/v2/spans`),
  );
}
