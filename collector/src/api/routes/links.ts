import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../context.ts';
import { linkMethods, pageProperties, parsePage, parseWindow, windowProperties } from '../params.ts';
import { listLinks } from '../queries/links.ts';
import { linkSchema, listResponses } from '../schemas.ts';

type Query = { from?: string; to?: string; method?: string; limit?: number; cursor?: string };

export const linksRoute: FastifyPluginAsync<RouteContext> = async (app, { store }) => {
  app.get<{ Querystring: Query }>(
    '/links',
    {
      schema: {
        summary: 'Edge ↔ mesh trace links',
        description: 'Without method, only links that needed a fallback (the trace id did not cross the boundary).',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...windowProperties, method: { type: 'string', enum: [...linkMethods] }, ...pageProperties },
        },
        response: listResponses('links', linkSchema),
      },
    },
    async (request) => {
      const { from, to, limit, cursor, method } = request.query;
      return listLinks(store, parseWindow({ from, to }), { method }, parsePage({ limit, cursor }), request.apiScope);
    },
  );
};
