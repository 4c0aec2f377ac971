import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../collector/src/config/load.ts';
import type { SeamConfig } from '../../collector/src/config/schema.ts';
import { startCollector, type RunningCollector, type StartHooks } from '../../collector/src/server/collector.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** What a sender knows about its spans: acknowledged ones must be stored once, refused ones may not be. */
export class Ledger {
  sent = 0;
  readonly acked = new Set<string>();
  /** Sent but never answered 2xx (refused, or cut off by a crash): may or may not be stored. */
  readonly unacked = new Set<string>();
  readonly statuses = new Map<string, number>();

  count(status: number | string): void {
    const key = String(status);
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
  }
}

export interface Comparison {
  sent: number;
  acknowledged: number;
  stored: number;
  missing: number;
  duplicates: number;
  /** Stored spans that were never acknowledged (requests cut off mid-flight); allowed, but counted. */
  storedUnacknowledged: number;
  unexpected: number;
}

/** Exact comparison of the acknowledged spans with what ClickHouse holds, by (TraceId, SpanId). */
export function compare(ledger: Ledger, stored: { k: string; c: string | number }[]): Comparison {
  const storedKeys = new Map(stored.map((row) => [row.k, Number(row.c)]));
  let missing = 0;
  let duplicates = 0;
  for (const key of ledger.acked) if (!storedKeys.has(key)) missing++;
  let storedUnacknowledged = 0;
  let unexpected = 0;
  for (const [key, copies] of storedKeys) {
    duplicates += copies - 1;
    if (!ledger.acked.has(key)) {
      if (ledger.unacked.has(key)) storedUnacknowledged++;
      else unexpected++;
    }
  }
  return { sent: ledger.sent, acknowledged: ledger.acked.size, stored: storedKeys.size, missing, duplicates, storedUnacknowledged, unexpected };
}

export const storedKeysSql = "SELECT concat(TraceId, ' ', SpanId) AS k, count() AS c FROM otel_traces WHERE ServiceName = {service:String} GROUP BY k";

/** An OTLP/JSON request with `count` spans of fresh random ids, and the keys it carries. */
export function spanBatch(service: string, count: number): { body: string; keys: string[] } {
  const traceId = randomBytes(16).toString('hex');
  const now = BigInt(Date.now()) * 1_000_000n;
  const keys: string[] = [];
  const spans = [];
  for (let i = 0; i < count; i++) {
    const spanId = randomBytes(8).toString('hex');
    keys.push(`${traceId} ${spanId}`);
    spans.push({
      traceId,
      spanId,
      name: `op-${i % 7}`,
      kind: 2,
      startTimeUnixNano: String(now + BigInt(i)),
      endTimeUnixNano: String(now + BigInt(i) + 1000n),
      attributes: [{ key: 'http.request.method', value: { stringValue: 'GET' } }, { key: 'seq', value: { intValue: String(i) } }],
    });
  }
  const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans }] }] });
  return { body, keys };
}

/**
 * Posts one batch and books its spans in the ledger. Network errors (the collector was killed) and
 * non-2xx answers leave the spans unacknowledged. Returns the status and Retry-After header.
 */
export async function sendBatch(ledger: Ledger, url: string, service: string, count: number, headers: Record<string, string> = {}): Promise<{ status: number; retryAfter: string | null }> {
  const { body, keys } = spanBatch(service, count);
  ledger.sent += count;
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(30_000) });
    await response.arrayBuffer();
    ledger.count(response.status);
    for (const key of keys) (response.ok ? ledger.acked : ledger.unacked).add(key);
    return { status: response.status, retryAfter: response.headers.get('retry-after') };
  } catch {
    ledger.count('network error');
    for (const key of keys) ledger.unacked.add(key);
    return { status: 0, retryAfter: null };
  }
}

export interface ChildCollector {
  child: ChildProcess;
  ports: Record<string, number>;
  output: string[];
  exited: Promise<number | null>;
}

/**
 * `seam start` as its own process (one node process: tsx as a loader, so SIGKILL hits the collector
 * itself), on free loopback ports, resolved once every listener has printed its port.
 */
export async function startChild(env: Record<string, string>, args: string[] = []): Promise<ChildCollector> {
  const child = spawn(process.execPath, ['--conditions=@seam/source', '--import', 'tsx', 'collector/src/cli/main.ts', 'start', ...args], {
    cwd: repoRoot,
    env: { ...process.env, SEAM_OTLP_HTTP_PORT: '0', SEAM_OTLP_GRPC_PORT: '0', SEAM_ZIPKIN_PORT: '0', SEAM_API_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const ports: Record<string, number> = {};
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`collector did not start within 60 s:\n${output.join('\n')}`)), 60_000);
    lines.on('line', (line) => {
      output.push(line);
      const match = /^listening (\S+) \S+:(\d+)$/.exec(line);
      if (match) ports[match[1]!] = Number(match[2]);
      if (Object.keys(ports).length === 4) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`collector exited with ${code} before listening:\n${output.join('\n')}`));
    });
  });
  return { child, ports, output, exited };
}

/** Reads one unlabelled-or-summed metric from the collector's /metrics. */
export async function metric(apiPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The collector in this process with an embedded store in a fresh directory, with settings and hooks for fault tests. */
export async function startWith(
  env: Record<string, string>,
  adjust: (config: SeamConfig) => void,
  hooks: StartHooks = {},
): Promise<RunningCollector & { url(listener: 'otlpHttp' | 'zipkin' | 'api', path: string): string; query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]> }> {
  const config = loadConfig({
    SEAM_DATA_DIR: mkdtempSync(join(tmpdir(), 'seam-rel-')),
    SEAM_OTLP_HTTP_PORT: '0',
    SEAM_OTLP_GRPC_PORT: '0',
    SEAM_ZIPKIN_PORT: '0',
    SEAM_API_PORT: '0',
    ...env,
  });
  adjust(config);
  const collector = await startCollector(config, () => {}, { readOwnWrites: true, ...hooks });
  return {
    ...collector,
    url: (listener, path) => `http://127.0.0.1:${collector.ports[listener]}${path}`,
    // Reads its own writes, as the test collector does.
    async query<T>(sql: string, params: Record<string, unknown> = {}) {
      await collector.writer.caughtUp();
      return (await collector.store.client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<T>();
    },
  };
}
