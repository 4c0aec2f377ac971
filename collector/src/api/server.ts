import type { FastifyInstance } from 'fastify';
import Fastify from 'fastify';
import type { SeamConfig } from '../config/schema.ts';
import type { Writer } from '../exporter/writer.ts';
import { closeConnectionsOnShutdown } from '../server/http-app.ts';
import { isMigrated } from '../store/migrate.ts';
import type { Store } from '../store/open.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { createApiGuard, readAccessSettings } from './access.ts';
import { consoleRoutes } from './console.ts';
import type { RouteContext } from './context.ts';
import { errorBody, installErrorHandling } from './errors.ts';
import { collectRoutes, openApiDocument } from './openapi.ts';
import { decisionsRoute } from './routes/decisions.ts';
import { decisionCountsRoute } from './routes/decision-counts.ts';
import { keysRoute } from './routes/keys.ts';
import { linksRoute } from './routes/links.ts';
import { mismatchesRoute } from './routes/mismatches.ts';
import { policySimulateRoute } from './routes/policy-simulate.ts';
import { timelineRoute } from './routes/timeline.ts';
import { traceRoute } from './routes/trace.ts';
import { tracesRoute } from './routes/traces.ts';

export interface ApiOptions {
  config: SeamConfig;
  store: Store;
  metrics: Metrics;
  writer: Writer;
  /** Returns a refusal message for a request that lacks valid credentials. */
  authenticate: (authorization: string | undefined) => string | null;
  /** See `StartHooks.readOwnWrites`. */
  readOwnWrites: boolean;
}

const prefix = '/api/v1';

/**
 * The API listener: health, readiness and metrics (unauthenticated, for probes and scrapers), and the
 * query API under /api/v1 (authenticated, its OpenAPI document excepted).
 */
export async function apiServer(options: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Unknown query parameters are refused rather than silently dropped: a typo should not widen a search.
    ajv: { customOptions: { removeAdditional: false } },
  });
  closeConnectionsOnShutdown(app);
  installErrorHandling(app);
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const reachable = await options.store.ping();
    const migrated = reachable && (await isMigrated(options.store));
    const backlog = options.writer.overLimit();
    // With the write-ahead log, ClickHouse being away is what the log is for: only a full backlog stops intake.
    const storeOk = options.config.ack === 'wal' ? !reachable || migrated : reachable && migrated;
    const ready = storeOk && backlog === undefined;
    const body = { status: ready ? 'ready' : 'not ready', clickhouse: reachable, migrated, ack: options.config.ack, backlogRows: options.writer.backlogRows, ...(backlog ? { backlog } : {}) };
    return reply.code(ready ? 200 : 503).send(body);
  });
  app.get('/metrics', async (_request, reply) => reply.type('text/plain; version=0.0.4').send(options.metrics.render()));
  await app.register(consoleRoutes);

  const guard = createApiGuard(readAccessSettings(options.config), options.authenticate);
  const routes = collectRoutes(app, prefix);
  const context: RouteContext = { store: options.store, config: options.config };
  await app.register(
    async (api) => {
      api.decorateRequest('apiScope', null);
      api.addHook('onRequest', async (request, reply) => {
        if (request.routeOptions.url === `${prefix}/openapi.json`) return;
        const verdict = await guard(request.headers.authorization);
        if (verdict.ok) {
          request.apiScope = verdict.scope;
          if (options.readOwnWrites) await options.writer.caughtUp();
          return;
        }
        if (verdict.status === 401) reply.header('www-authenticate', 'Bearer realm="seam"');
        return reply.code(verdict.status).send(errorBody(verdict.status === 401 ? 'unauthenticated' : 'forbidden', verdict.message));
      });
      for (const route of [traceRoute, tracesRoute, decisionsRoute, decisionCountsRoute, mismatchesRoute, timelineRoute, keysRoute, linksRoute, policySimulateRoute]) {
        await api.register(route, context);
      }
      let document: Record<string, unknown> | undefined;
      api.get('/openapi.json', async () => (document ??= openApiDocument(routes, { title: 'Seam query API', version: '1' })));
    },
    { prefix },
  );
  return app;
}
