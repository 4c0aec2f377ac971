import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { checkBearer } from '../auth/bearer.ts';
import { createCredentialCheck } from '../auth/credentials.ts';
import { createJwtVerifier } from '../auth/jwt.ts';
import { readAccessSettings } from '../api/access.ts';
import { authRequired } from '../auth/policy.ts';
import type { SeamConfig } from '../config/schema.ts';
import { openWriter } from '../exporter/open-writer.ts';
import type { Writer } from '../exporter/writer.ts';
import { PreparePool } from '../ingest/prepare-pool.ts';
import { Pipeline } from '../pipeline.ts';
import { startOtlpGrpc } from '../receivers/otlp-grpc.ts';
import { otlpHttpReceiver } from '../receivers/otlp-http.ts';
import { sendOtlpError, useOtlpErrors } from '../receivers/respond.ts';
import { zipkinReceiver } from '../receivers/zipkin.ts';
import { migrate } from '../store/migrate.ts';
import { schemaTarget } from '../config/schema-target.ts';
import { openStore, type Store } from '../store/open.ts';
import { Metrics } from '../telemetry/metrics.ts';
import { scheduleRollup } from '../rollup/schedule.ts';
import { apiServer } from '../api/server.ts';
import { createHttpApp } from './http-app.ts';
import { RateLimiter } from './rate-limit.ts';
import { storeOptions } from '../config/store-options.ts';

export interface RunningCollector {
  store: Store;
  writer: Writer;
  metrics: Metrics;
  ports: { otlpHttp: number; otlpGrpc: number; zipkin: number; api: number };
  close(): Promise<void>;
}

/**
 * Opens the store, applies migrations, and starts every listener. `log` receives the start-up lines
 * (`listening <name> <host>:<port>`) a supervisor or test reads to find ports bound as 0.
 */
export interface StartHooks {
  /** Puts something in front of the store; tests use it to stand a failing or slow store in for an outage. */
  wrapStore?: (store: Store) => Store;
  /** API queries first wait until every row acknowledged before them is stored, so a test reads its own writes. */
  readOwnWrites?: boolean;
}

export async function startCollector(config: SeamConfig, log: (line: string) => void = console.log, hooks: StartHooks = {}): Promise<RunningCollector> {
  const access = readAccessSettings(config);
  const required = authRequired(config, access.jwks !== '');
  if (config.auth === 'off') log('warning: SEAM_AUTH=off — every listener accepts unauthenticated requests');
  const opened = await openStore(storeOptions(config));
  const store = hooks.wrapStore ? hooks.wrapStore(opened) : opened;
  log(`store ${store.describe}`);
  await migrate(store, schemaTarget(config), log);

  const metrics = new Metrics();
  const writer = await openWriter(store, config.ack, config.writer, join(config.dataDir, 'spool'), metrics, log);
  const limits = config.limits;
  const pool = new PreparePool(config.prepareThreads, { limits, enrich: config.enrich }, log);
  const pipeline = new Pipeline(writer, pool, metrics, new RateLimiter(config.rateLimit));
  const refuse = (header: string | undefined) => {
    if (!required) return null;
    const verdict = checkBearer(header, config.tokenHashes);
    return verdict === 'ok' ? null : verdict === 'missing' ? 'missing bearer token; send Authorization: Bearer <token>' : 'the bearer token is not valid';
  };
  const checkCredentials = createCredentialCheck(config.tokenHashes, createJwtVerifier({ jwks: access.jwks, issuer: access.jwtIssuer, audience: access.jwtAudience }));
  const receiversRequire = required && config.receiverAuth === 'same';
  if (required && !receiversRequire) log('warning: SEAM_RECEIVER_AUTH=off — the receivers accept unauthenticated data; the API still requires credentials');
  const refuseIngest = async (header: string | undefined) => (receiversRequire ? checkCredentials(header) : null);
  const guardReceiver = (app: FastifyInstance) =>
    app.addHook('onRequest', async (request, reply) => {
      const refusal = await refuseIngest(request.headers.authorization);
      if (refusal) {
        reply.header('www-authenticate', 'Bearer realm="seam"');
        return sendOtlpError(request, reply, 401, refusal);
      }
    });

  const otlpHttp = await createHttpApp({ bodyLimit: limits.maxBodyBytes });
  useOtlpErrors(otlpHttp, limits.maxBodyBytes);
  guardReceiver(otlpHttp);
  await otlpHttp.register(otlpHttpReceiver, { pipeline });

  const zipkin = await createHttpApp({ bodyLimit: limits.maxBodyBytes });
  useOtlpErrors(zipkin, limits.maxBodyBytes);
  guardReceiver(zipkin);
  await zipkin.register(zipkinReceiver, { pipeline });

  const api = await apiServer({ config, store, metrics, writer, authenticate: refuse, readOwnWrites: hooks.readOwnWrites ?? false });

  const grpcServer = await startOtlpGrpc(config.host, config.ports.otlpGrpc, {
    pipeline,
    maxMessageBytes: limits.maxBodyBytes,
    authenticate: (metadata) => refuseIngest(metadata.get('authorization')[0]?.toString()),
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
  const rollup = scheduleRollup(store, config.rollup, metrics, log);

  let closing: Promise<void> | undefined;
  return {
    store,
    writer,
    metrics,
    ports,
    close() {
      closing ??= (async () => {
        // Stop taking new work and let in-flight requests finish: each waits for its rows, which the
        // draining writer now writes at once. Then flush whatever is left.
        await Promise.all([otlpHttp.close(), zipkin.close(), shutdownGrpc(grpcServer.server), writer.drain()]);
        await writer.close();
        await pool.close();
        await rollup.stop();
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
