import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../context.ts';
import { parseSimulationRequest, simulationDocument, type SimulationRequest } from '../../policy/simulate-request.ts';
import { simulateStored } from '../../policy/simulate-store.ts';
import { errorResponses, policySimulateBodySchema, policySimulationSchema } from '../schemas.ts';

export const policySimulateRoute: FastifyPluginAsync<RouteContext> = async (app, { store }) => {
  app.post<{ Body: SimulationRequest }>(
    '/policy/simulate',
    {
      schema: {
        summary: 'Recorded requests whose decision a proposed route policy or set of AuthorizationPolicies would flip',
        description:
          'Re-evaluates every edge (with routes) and gateway and sidecar (with authz) decision point recorded in the minutes the window touches, at most ' +
          '7 days (default: the last 24 h; the answer names the whole minutes it covered), and lists those whose decision would change, counted by rule and by group. ' +
          'What the recorded request cannot tell makes it undecidable, with the reason.',
        body: policySimulateBodySchema,
        response: { 200: policySimulationSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { window, proposal, limit } = parseSimulationRequest(request.body);
      return simulationDocument(await simulateStored(store, window, proposal, request.apiScope, limit));
    },
  );
};
