import type * as grpc from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { checkBearer } from '../auth/bearer.ts';
import { authRequired } from '../auth/policy.ts';
import type { SeamConfig } from '../config/schema.ts';
import { BatchWriter } from '../exporter/batch-writer.ts';
import { Pipeline } from '../pipeline.ts';
import { startOtlpGrpc } from '../receivers/otlp-grpc.ts';
import { otlpHttpReceiver } from '../receivers/otlp-http.ts';
import { sendOtlpError, useOtlpErrors } from '../receivers/respond.ts';
import { zipkinReceiver } from '../receivers/zipkin.ts';
import { migrate } from '../store/migrate.ts';
import { openStore, type Store } from '../store/open.ts';
import { Metrics } from '../telemetry/metrics.ts';
import { apiServer } from '../api/server.ts';
import { createHttpApp } from './http-app.ts';

export interface RunningCollector {
  store: Store;
  writer: BatchWriter;
  metrics: Metrics;
  ports: { otlpHttp: number; otlpGrpc: number; zipkin: number; api: number };
  close(): Promise<void>;
}

/**
 * Opens the store, applies migrations, and starts every listener. `log` receives the start-up lines
 * (`listening <name> <host>:<port>`) a supervisor or test reads to find ports bound as 0.
 */
export async function startCollector(config: SeamConfig, log: (line: string) => void = console.log): Promise<RunningCollector> {
  const required = authRequired(config);
  if (config.auth === 'off') log('warning: SEAM_AUTH=off — every listener accepts unauthenticated requests');
  const store = await openStore({
    url: config.clickhouse.url || undefined,
    username: config.clickhouse.user,
    password: config.clickhouse.password,
    database: config.clickhouse.database,
    dataDir: config.dataDir,
  });
  log(`store ${store.describe}`);
  await migrate(store, { retentionDays: config.retentionDays, cluster: config.clickhouse.cluster || undefined }, log);

  const metrics = new Metrics();
  const writer = new BatchWriter(store, config.writer, metrics);
  const pipeline = new Pipeline(writer, config.enrich, metrics);
  const limits = config.limits;
  const refuse = (header: string | undefined) => {
    if (!required) return null;
    const verdict = checkBearer(header, config.tokenHashes);
    return verdict === 'ok' ? null : verdict === 'missing' ? 'missing bearer token; send Authorization: Bearer <token>' : 'the bearer token is not valid';
  };
  const guardReceiver = (app: FastifyInstance) =>
    app.addHook('onRequest', async (request, reply) => {
      const refusal = refuse(request.headers.authorization);
      if (refusal) {
        reply.header('www-authenticate', 'Bearer realm="seam"');
        return sendOtlpError(request, reply, 401, refusal);
      }
    });

  const otlpHttp = await createHttpApp({ bodyLimit: limits.maxBodyBytes });
  useOtlpErrors(otlpHttp, limits.maxBodyBytes);
  guardReceiver(otlpHttp);
  await otlpHttp.register(otlpHttpReceiver, { pipeline, limits });

  const zipkin = await createHttpApp({ bodyLimit: limits.maxBodyBytes });
  useOtlpErrors(zipkin, limits.maxBodyBytes);
  guardReceiver(zipkin);
  await zipkin.register(zipkinReceiver, { pipeline, limits });

  const api = await apiServer({ config, store, metrics, writer, authenticate: refuse });

  const grpcServer = await startOtlpGrpc(config.host, config.ports.otlpGrpc, {
    pipeline,
    limits,
    maxMessageBytes: limits.maxBodyBytes,
    authenticate: async (metadata) => refuse(metadata.get('authorization')[0]?.toString()),
  });

  const listen = async (name: string, app: FastifyInstance, port: number) => {
    await app.listen({ host: config.host, port });
    const address = app.server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    log(`listening ${name} ${config.host}:${bound}`);
    return bound;
  };
  const ports = {
    otlpHttp: await listen('otlp-http', otlpHttp, config.ports.otlpHttp),
    otlpGrpc: grpcServer.port,
    zipkin: await listen('zipkin', zipkin, config.ports.zipkin),
    api: await listen('api', api, config.ports.api),
  };
  log(`listening otlp-grpc ${config.host}:${grpcServer.port}`);

  let closing: Promise<void> | undefined;
  return {
    store,
    writer,
    metrics,
    ports,
    close() {
      closing ??= (async () => {
        // Stop taking new work, let in-flight requests finish (each waits for its rows), then flush.
        await Promise.all([otlpHttp.close(), zipkin.close(), shutdownGrpc(grpcServer.server)]);
        await writer.close();
        await api.close();
        await store.close();
      })();
      return closing;
    },
  };
}

function shutdownGrpc(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.forceShutdown(), 10_000);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
