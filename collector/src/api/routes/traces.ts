import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../context.ts';
import { decisions, mismatchKinds, pageProperties, parsePage, parseWindow, serviceSchema, subjectSchema, windowProperties } from '../params.ts';
import { searchTraces, type TraceFilter } from '../queries/traces.ts';
import { listResponses, traceListItemSchema } from '../schemas.ts';

type Query = TraceFilter & { from?: string; to?: string; limit?: number; cursor?: string };

export const tracesRoute: FastifyPluginAsync<RouteContext> = async (app, { store }) => {
  app.get<{ Querystring: Query }>(
    '/traces',
    {
      schema: {
        summary: 'Trace search',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...windowProperties,
            subject: subjectSchema,
            service: serviceSchema,
            decision: { type: 'string', enum: [...decisions], description: 'deny: any layer denied; allow: none did' },
            mismatch: { type: 'string', enum: ['any', ...mismatchKinds], description: 'only traces with a mismatch (of this kind)' },
            rayId: { type: 'string', pattern: '^[0-9a-fA-F]{16}(-[A-Za-z0-9]{1,8})?$', description: 'Cloudflare ray id, with or without the colo' },
            requestId: { type: 'string', pattern: '^[A-Za-z0-9-]{1,128}$', description: 'the request id the edge sent (x-request-id)' },
            ...pageProperties,
          },
        },
        response: listResponses('traces', traceListItemSchema),
      },
    },
    async (request) => {
      const { from, to, limit, cursor, ...filter } = request.query;
      if (filter.rayId) filter.rayId = filter.rayId.slice(0, 16).toLowerCase();
      if (filter.requestId) filter.requestId = filter.requestId.toLowerCase();
      return searchTraces(store, parseWindow({ from, to }), filter, parsePage({ limit, cursor }), request.apiScope);
    },
  );
};
