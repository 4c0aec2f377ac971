import type { FastifyInstance } from 'fastify';
import Fastify from 'fastify';
import type { SeamConfig } from '../config/schema.ts';
import type { BatchWriter } from '../exporter/batch-writer.ts';
import { isMigrated } from '../store/migrate.ts';
import type { Store } from '../store/open.ts';
import type { Metrics } from '../telemetry/metrics.ts';

export interface ApiOptions {
  config: SeamConfig;
  store: Store;
  metrics: Metrics;
  writer: BatchWriter;
  /** Returns a refusal message for a request that lacks valid credentials. */
  authenticate: (authorization: string | undefined) => string | null;
}

/** The API listener: health, readiness and metrics (unauthenticated, for probes and scrapers). */
export async function apiServer(options: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, return503OnClosing: true, forceCloseConnections: 'idle' });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const reachable = await options.store.ping();
    const migrated = reachable && (await isMigrated(options.store));
    const body = { status: reachable && migrated ? 'ready' : 'not ready', clickhouse: reachable, migrated, queuedRows: options.writer.queueDepth };
    return reply.code(reachable && migrated ? 200 : 503).send(body);
  });
  app.get('/metrics', async (_request, reply) => reply.type('text/plain; version=0.0.4').send(options.metrics.render()));
  return app;
}
