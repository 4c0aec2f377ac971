import type { FastifyInstance } from 'fastify';
import type { AttributeStats } from '../decode/attributes.ts';
import { MalformedRequest, type DecodeLimits } from '../decode/limits.ts';
import { normalizeZipkin } from '../decode/zipkin.ts';
import type { Pipeline } from '../pipeline.ts';
import { clientKey } from '../server/rate-limit.ts';
import { sendFailure, sendOtlpError } from './respond.ts';

export interface ZipkinOptions {
  pipeline: Pipeline;
  limits: DecodeLimits;
}

/**
 * Zipkin v2 JSON, as Istio's `zipkin` provider (Envoy's Zipkin tracer, HTTP_JSON) sends it:
 * `POST /api/v2/spans` answered 202 once stored. Spans that break the format are dropped and named
 * in the `X-Seam-Rejected` header, since Zipkin has no partial-success body.
 */
export async function zipkinReceiver(app: FastifyInstance, options: ZipkinOptions): Promise<void> {
  // As Zipkin's own collector does, any body that is not protobuf is read as JSON, whatever its
  // Content-Type (reporters and curl often send text/plain or none).
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.post('/api/v2/spans', async (request, reply) => {
    const stats: AttributeStats = { truncated: 0 };
    try {
      if ((request.headers['content-type'] ?? '').includes('protobuf')) {
        return sendOtlpError(request, reply, 415, 'Zipkin protobuf (proto3) is not supported; send Zipkin v2 JSON (Content-Type: application/json)');
      }
      const body = request.body as Buffer | undefined;
      if (!body || body.length === 0) throw new MalformedRequest('the body is empty; send a JSON array of Zipkin v2 spans');
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch (error) {
        throw new MalformedRequest(`the body is not valid JSON (${(error as Error).message}); send a JSON array of Zipkin v2 spans`);
      }
      const client = clientKey(request.headers.authorization, request.ip);
      const outcome = await options.pipeline.acceptSpans('zipkin', normalizeZipkin(parsed, options.limits, stats), stats, client);
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
