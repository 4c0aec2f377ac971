import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../context.ts';
import { mismatchKinds, pageProperties, parsePage, parseWindow, windowProperties } from '../params.ts';
import { listMismatches } from '../queries/mismatches.ts';
import { listResponses, mismatchSchema } from '../schemas.ts';

type Query = { from?: string; to?: string; kind?: string; limit?: number; cursor?: string };

export const mismatchesRoute: FastifyPluginAsync<RouteContext> = async (app, { store }) => {
  app.get<{ Querystring: Query }>(
    '/mismatches',
    {
      schema: {
        summary: 'Where the edge and the mesh disagree, with both sides’ view',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...windowProperties, kind: { type: 'string', enum: [...mismatchKinds] }, ...pageProperties },
        },
        response: listResponses('mismatches', mismatchSchema),
      },
    },
    async (request) => {
      const { from, to, limit, cursor, kind } = request.query;
      return listMismatches(store, parseWindow({ from, to }), { kind }, parsePage({ limit, cursor }), request.apiScope);
    },
  );
};
