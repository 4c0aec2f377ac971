import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { decisions, layers, parseWindow, serviceSchema, windowProperties } from '../params.ts';
import { countDecisions, countDimensions, type CountDimension } from '../queries/decision-counts.ts';
import { errorResponses } from '../schemas.ts';

type Query = { from?: string; to?: string; by?: string; step?: number; layer?: string; decision?: string; service?: string };

const dimension = `(${countDimensions.join('|')})`;

export const decisionCountsRoute: FastifyPluginAsync<RouteContext> = async (app, { store }) => {
  app.get<{ Querystring: Query }>(
    '/decisions/counts',
    {
      schema: {
        summary: 'Decision points counted by time bucket and dimension, for analytics over long windows',
        description:
          'Counts whole minutes that start within the window. Read from the per-minute rollup where it is settled and from the decision rows elsewhere, so counts are never stale.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...windowProperties,
            by: { type: 'string', pattern: `^${dimension}(,${dimension})*$`, default: 'layer,decision,reason', description: `comma-separated: ${countDimensions.join(', ')}` },
            step: { type: 'integer', minimum: 0, maximum: 31 * 86_400, default: 0, description: 'bucket width in seconds, a whole number of minutes; 0 (default) counts the window as one bucket' },
            layer: { type: 'string', enum: [...layers] },
            decision: { type: 'string', enum: [...decisions] },
            service: serviceSchema,
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['counts', 'truncated'],
            properties: {
              counts: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['timestamp', 'points'],
                  properties: {
                    timestamp: { type: 'string', format: 'date-time', description: 'start of the bucket' },
                    points: { type: 'integer' },
                    ...Object.fromEntries(countDimensions.map((name) => [name, { type: 'string' }])),
                  },
                },
              },
              truncated: { type: 'boolean', description: 'more combinations exist than the 10 000 returned; narrow the window, widen the step or ask for fewer dimensions' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { from, to, by = 'layer,decision,reason', step = 0, ...filter } = request.query;
      if (step % 60 !== 0) throw new ApiError(400, 'invalid_request', `step=${step} is not a whole number of minutes; counts are kept per minute, so use a multiple of 60`);
      return countDecisions(store, parseWindow({ from, to }), { by: [...new Set(by.split(','))] as CountDimension[], stepSeconds: step, filter }, request.apiScope);
    },
  );
};
