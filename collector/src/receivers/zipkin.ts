import type { FastifyInstance } from 'fastify';
import { MalformedRequest } from '../decode/limits.ts';
import type { Pipeline } from '../pipeline.ts';
import { clientKey } from '../server/rate-limit.ts';
import { sendFailure, sendOtlpError } from './respond.ts';

export interface ZipkinOptions {
  pipeline: Pipeline;
}

/**
 * Zipkin v2 JSON, as Istio's `zipkin` provider (Envoy's Zipkin tracer, HTTP_JSON) sends it:
 * `POST /api/v2/spans` answered 202 once the spans are durable (see the pipeline). Spans that break the format are dropped and named
 * in the `X-Seam-Rejected` header, since Zipkin has no partial-success body.
 */
export async function zipkinReceiver(app: FastifyInstance, options: ZipkinOptions): Promise<void> {
  // As Zipkin's own collector does, any body that is not protobuf is read as JSON, whatever its
  // Content-Type (reporters and curl often send text/plain or none).
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.post('/api/v2/spans', async (request, reply) => {
    try {
      if ((request.headers['content-type'] ?? '').includes('protobuf')) {
        return sendOtlpError(request, reply, 415, 'Zipkin protobuf (proto3) is not supported; send Zipkin v2 JSON (Content-Type: application/json)');
      }
      const body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
      const client = clientKey(request.headers.authorization, request.ip);
      const outcome = await options.pipeline.accept('zipkin', { signal: 'spans', encoding: 'zipkin', body }, client);
      if (outcome.rejected > 0) reply.header('x-seam-rejected', outcome.message.slice(0, 500));
      return reply.code(202).send();
    } catch (error) {
      if (error instanceof MalformedRequest) options.pipeline.refused('zipkin', 'spans');
      return sendFailure(request, reply, error);
    }
  });
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: '/api/v2/spans',
    handler: (request, reply) => {
      reply.header('allow', 'POST');
      return sendOtlpError(request, reply, 405, `${request.method} is not allowed on /api/v2/spans; Zipkin reporters POST here (Seam stores spans, it does not serve the Zipkin query API)`);
    },
  });
}
