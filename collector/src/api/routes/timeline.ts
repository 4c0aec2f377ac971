import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../context.ts';
import { pageProperties, parsePage, parseWindow, subjectSchema, windowProperties } from '../params.ts';
import { identityTimeline } from '../queries/timeline.ts';
import { decisionSchema, errorResponses } from '../schemas.ts';

type Query = { from?: string; to?: string; limit?: number; cursor?: string };

export const timelineRoute: FastifyPluginAsync<RouteContext> = async (app, { store }) => {
  app.get<{ Params: { subject: string }; Querystring: Query }>(
    '/identities/:subject/timeline',
    {
      schema: {
        summary: 'One caller’s decisions at the edge and in the mesh, oldest first',
        params: { type: 'object', required: ['subject'], additionalProperties: false, properties: { subject: subjectSchema } },
        querystring: { type: 'object', additionalProperties: false, properties: { ...windowProperties, ...pageProperties } },
        response: {
          200: {
            type: 'object',
            required: ['subject', 'decisions', 'nextCursor'],
            properties: { subject: { type: 'string' }, decisions: { type: 'array', items: decisionSchema }, nextCursor: { type: ['string', 'null'] } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { from, to, limit, cursor } = request.query;
      return identityTimeline(store, request.params.subject, parseWindow({ from, to }), parsePage({ limit, cursor }), request.apiScope);
    },
  );
};
