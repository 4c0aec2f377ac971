import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { pageProperties, parsePage, parseWindow, windowProperties } from '../params.ts';
import { listKeys } from '../queries/keys.ts';
import { keySchema, listResponses } from '../schemas.ts';

type Query = { from?: string; to?: string; limit?: number; cursor?: string };

export const keysRoute: FastifyPluginAsync<RouteContext> = async (app, { store, config }) => {
  app.get<{ Querystring: Query }>(
    '/keys',
    {
      schema: {
        summary: 'Signing keys (kid) seen at the edge: first and last use, age, use past the rotation window',
        querystring: { type: 'object', additionalProperties: false, properties: { ...windowProperties, ...pageProperties } },
        response: listResponses('keys', keySchema),
      },
    },
    async (request) => {
      // Keys belong to the identity provider, not to a team's namespaces, so scoped tokens cannot list them.
      if (request.apiScope) throw new ApiError(403, 'forbidden', 'this token is limited to some namespaces; signing keys need an unrestricted token');
      const { from, to, limit, cursor } = request.query;
      return listKeys(store, parseWindow({ from, to }), parsePage({ limit, cursor }), config.correlation.keyRotationHours);
    },
  );
};
