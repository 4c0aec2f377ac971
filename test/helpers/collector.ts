import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SeamConfig } from '../../collector/src/config/schema.ts';
import { loadConfig } from '../../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../../collector/src/server/collector.ts';

export interface TestCollector extends RunningCollector {
  dataDir: string;
  config: SeamConfig;
  log: string[];
  url(listener: 'otlpHttp' | 'zipkin' | 'api', path: string): string;
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
}

/**
 * The real collector on free loopback ports with an embedded store in a fresh directory
 * (or `dataDir`, to reopen one). One per test file: chdb allows one data directory per process.
 * Its `query` and API answers wait until every acknowledged row is stored, so a test reads its own
 * writes whichever ack mode runs.
 */
export async function startTestCollector(env: Record<string, string> = {}, dataDir?: string): Promise<TestCollector> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'seam-test-'));
  const config = loadConfig({
    SEAM_DATA_DIR: dir,
    SEAM_OTLP_HTTP_PORT: '0',
    SEAM_OTLP_GRPC_PORT: '0',
    SEAM_ZIPKIN_PORT: '0',
    SEAM_API_PORT: '0',
    ...env,
  });
  const log: string[] = [];
  const collector = await startCollector(config, (line) => log.push(line), { readOwnWrites: true });
  return {
    ...collector,
    close: () => collector.close(),
    dataDir: dir,
    config,
    log,
    url: (listener, path) => `http://127.0.0.1:${collector.ports[listener]}${path}`,
    async query<T>(sql: string, params: Record<string, unknown> = {}) {
      await collector.writer.caughtUp();
      const result = await collector.store.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return result.json<T>();
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}
