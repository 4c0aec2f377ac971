import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../context.ts';
import { decisions, layers, pageProperties, parsePage, parseWindow, serviceSchema, subjectSchema, windowProperties } from '../params.ts';
import { listDecisions, type DecisionFilter } from '../queries/decisions.ts';
import { decisionSchema, listResponses } from '../schemas.ts';

type Query = DecisionFilter & { from?: string; to?: string; limit?: number; cursor?: string };

export const decisionsRoute: FastifyPluginAsync<RouteContext> = async (app, { store }) => {
  app.get<{ Querystring: Query }>(
    '/decisions',
    {
      schema: {
        summary: 'Authorization decision records, edge and mesh',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...windowProperties,
            subject: subjectSchema,
            layer: { type: 'string', enum: [...layers] },
            decision: { type: 'string', enum: [...decisions] },
            reason: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$', description: 'e.g. jwt_expired, route_policy, rbac, authn, ext_authz' },
            service: serviceSchema,
            ...pageProperties,
          },
        },
        response: listResponses('decisions', decisionSchema),
      },
    },
    async (request) => {
      const { from, to, limit, cursor, ...filter } = request.query;
      return listDecisions(store, parseWindow({ from, to }), filter, parsePage({ limit, cursor }), request.apiScope);
    },
  );
};
