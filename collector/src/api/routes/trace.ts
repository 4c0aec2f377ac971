import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { traceIdSchema } from '../params.ts';
import { getTrace } from '../queries/trace.ts';
import { errorResponses, errorSchema, traceDocumentSchema } from '../schemas.ts';

export const traceRoute: FastifyPluginAsync<RouteContext> = async (app, { store }) => {
  app.get<{ Params: { traceId: string } }>(
    '/traces/:traceId',
    {
      schema: {
        summary: 'One trace as a joined story',
        description: 'All spans of the trace and of traces linked to it (by layer, parents first), its decisions, links and mismatches.',
        params: { type: 'object', required: ['traceId'], additionalProperties: false, properties: { traceId: traceIdSchema } },
        response: { 200: traceDocumentSchema, ...errorResponses, 404: errorSchema },
      },
    },
    async (request) => {
      const traceId = request.params.traceId.toLowerCase();
      const document = await getTrace(store, traceId, request.apiScope);
      if (!document) throw new ApiError(404, 'not_found', `no spans stored for trace ${traceId}; check the id, or widen retention if it is older`);
      return document;
    },
  );
};
