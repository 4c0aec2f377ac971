import type { FastifyError, FastifyInstance } from 'fastify';

/** A refusal the client can act on; `status` is a 4xx and `message` says what to change. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/**
 * Every failure leaves as `{ error: { code, message } }`: schema violations as 400 `invalid_request`
 * with Fastify's path-qualified message, refusals with their own status, anything else as a 500 that
 * names no internals (the details go to the log).
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.status).send(errorBody(error.code, error.message));
    if ('validation' in error && error.validation) {
      return reply.code(400).send(errorBody('invalid_request', `${error.message}; see /api/v1/openapi.json for the accepted parameters`));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send(errorBody('bad_request', error.message));
    // The API's Fastify logger is off (the collector prints its own lines), so the cause goes to stderr.
    console.error(`api: ${request.method} ${request.url} failed: ${error.message}`);
    return reply.code(500).send(errorBody('internal', 'the query failed inside Seam; the collector\'s stderr has the details'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}; the API is described at /api/v1/openapi.json`)),
  );
}
