/**
 * Seam benchmark harness: `npm run bench [-- --quick]`. Every figure is printed next to a reference
 * measured in the same run on the same machine, as a ratio, because absolute numbers from a shared
 * 2-core box mean little on their own. Writes bench/results.json and prints a Markdown table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../collector/src/config/load.ts';
import { defaultDecodeLimits } from '../collector/src/decode/limits.ts';
import { TraceRequest } from '../collector/src/decode/otlp-proto.ts';
import { normalizeResourceSpans } from '../collector/src/decode/otlp-traces.ts';
import { enrichSpan } from '../collector/src/enrich/enrich-span.ts';
import { defaultEnrichOptions } from '../collector/src/enrich/options.ts';
import { schemaTarget } from '../collector/src/config/schema-target.ts';
import { migrate } from '../collector/src/store/migrate.ts';
import { openStore, type Store } from '../collector/src/store/open.ts';
import { generateTraffic } from '../test/generator/traffic.ts';
import { spawnCollector, type CollectorProcess } from './collector.ts';
import { consoleBenchmarks } from './console.ts';
import { buildPayloads, decode, endpoint, formats, toRows } from './payloads.ts';
import { policyBenchmarks } from './policy.ts';
import { loadQueryData, queryBenchmarks, storageCost } from './queries.ts';
import { storageLimits, type StorageLimits } from './storage-limit.ts';
import { workerBenchmarks } from './worker.ts';

const quick = process.argv.includes('--quick');
const size = quick
  ? { ingestRequests: 60, latencyRequests: 40, ceilingRequests: 200, ceilingWarmUp: 100, overloadRequests: 600, freshnessRequests: 80, freshnessSamples: 20, querySpans: 50_000, queryRepeats: 5, decodeBodies: 24, workerRequests: 300 }
  : { ingestRequests: 600, latencyRequests: 300, ceilingRequests: 1000, ceilingWarmUp: 200, overloadRequests: 2000, freshnessRequests: 1000, freshnessSamples: 200, querySpans: 10_000_000, queryRepeats: 20, decodeBodies: 200, workerRequests: 2000 };
// `--spans N` sets the query section's data size (for the 1M/3M/10M points), whatever the mode.
const spansArg = process.argv.indexOf('--spans');
if (spansArg !== -1) {
  const spans = Number(process.argv[spansArg + 1]);
  if (!Number.isInteger(spans) || spans <= 0) throw new Error('--spans takes a positive whole number of spans, e.g. --spans 1000000');
  size.querySpans = spans;
}
const spansPerBatch = 512;
const overloadLogBytes = 64 * 2 ** 20;
let collectorPeakMiB = NaN;
const benchDir = fileURLToPath(new URL('.', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'seam-bench-'));

export interface Row {
  /** Stable name of a figure an issue asks for, e.g. `ingest.otlp-proto.sustained`. */
  id?: string;
  section: string;
  metric: string;
  value: number;
  unit: string;
  reference: string;
  referenceValue: number;
  /** value / referenceValue. */
  ratio: number;
  goal?: string;
}
const rows: Row[] = [];
export function record(row: Omit<Row, 'ratio'>): void {
  rows.push({ ...row, ratio: row.referenceValue === 0 ? NaN : row.value / row.referenceValue });
}

/** One updating line on stderr for phases that take more than a moment. */
export function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${text}`);
  else process.stderr.write(`${text}\n`);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface LoadResult {
  requests: number;
  statuses: Record<string, number>;
  elapsedMs: number;
  latencies: number[];
}

/** Runs bench/load.ts as a child process against one listener. */
function runLoad(url: string, contentType: string, bodiesFile: string, requests: number, options: { rate?: number; concurrency?: number }): Promise<LoadResult> {
  const args = ['--import', 'tsx', join(benchDir, 'load.ts'), '--url', url, '--content-type', contentType, '--bodies', bodiesFile, '--requests', String(requests)];
  if (options.rate) args.push('--rate', String(options.rate));
  if (options.concurrency) args.push('--concurrency', String(options.concurrency));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load.ts exited ${code}`))));
  });
}

function writeBodies(file: string, bodies: Buffer[]): void {
  writeFileSync(
    file,
    Buffer.concat(
      bodies.flatMap((body) => {
        const length = Buffer.alloc(4);
        length.writeUInt32LE(body.length);
        return [length, body];
      }),
    ),
  );
}

const countSpans = async (collector: CollectorProcess) => Number((await collector.query<{ n: string }>('SELECT count() AS n FROM otel_traces'))[0]!.n);

// ---- 2. correlation freshness ----

async function freshness(collector: CollectorProcess): Promise<void> {
  const { batches, truth } = generateTraffic({ requests: size.freshnessRequests, seed: 11, startMs: Date.now() - 60_000, perBatch: 1 });
  const ordered = [...batches.filter((b) => !b.late), ...batches.filter((b) => b.late)];
  // A link can be computed once both traces are complete: after the last batch that carries either.
  const lastBatch = new Map<string, number>();
  ordered.forEach((batch, index) => {
    for (const match of batch.body.matchAll(/"traceId":"([0-9a-f]+)"/g)) lastBatch.set(match[1]!, index);
  });
  const completedAt = new Map<number, [string, string][]>();
  for (const key of truth.links.keys()) {
    const [edge, mesh] = key.split('|') as [string, string];
    const at = Math.max(lastBatch.get(edge) ?? -1, lastBatch.get(mesh) ?? -1);
    completedAt.set(at, [...(completedAt.get(at) ?? []), [edge, mesh]]);
  }
  const every = Math.max(1, Math.floor(completedAt.size / size.freshnessSamples));
  const fresh: number[] = [];
  const acks: number[] = [];
  let timeouts = 0;
  let sampled = 0;
  for (const [index, batch] of ordered.entries()) {
    const target = batch.receiver === 'logs' ? { port: collector.ports.otlpHttp, path: '/v1/logs' } : batch.receiver === 'zipkin' ? { port: collector.ports.zipkin, path: '/api/v2/spans' } : { port: collector.ports.otlpHttp, path: '/v1/traces' };
    const sent = performance.now();
    const response = await fetch(`http://127.0.0.1:${target.port}${target.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: batch.body });
    await response.arrayBuffer();
    const acked = performance.now();
    const links = completedAt.get(index);
    if (!links || index % every !== 0) continue;
    const [edge, mesh] = links[0]!;
    acks.push(acked - sent);
    // Bounded wait: a link not visible within 10 s counts as a timeout rather than hanging the run.
    let visibleAt = NaN;
    while (performance.now() - acked < 10_000) {
      const [row] = await collector.query<{ l: string; d: string }>(
        `SELECT (SELECT count() FROM seam_links WHERE EdgeTraceId = '${edge}' AND MeshTraceId = '${mesh}') AS l, ` +
          `(SELECT count() FROM seam_decision_points WHERE TraceId IN ('${edge}', '${mesh}')) AS d`,
      );
      if (Number(row!.l) > 0 && Number(row!.d) > 0) {
        visibleAt = performance.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (Number.isNaN(visibleAt)) timeouts++;
    else fresh.push(visibleAt - sent);
    progress(`freshness: ${++sampled} links sampled (batch ${index + 1}/${ordered.length})`);
  }
  const ackP50 = percentile(acks, 50);
  const ackP99 = percentile(acks, 99);
  record({ section: '2 freshness', metric: `last span sent → decision + link visible, p50 (${fresh.length} links, ${timeouts} timeouts)`, value: percentile(fresh, 50), unit: 'ms', reference: 'ack latency of that POST p50', referenceValue: ackP50 });
  record({ section: '2 freshness', metric: 'last span sent → decision + link visible, p99', value: percentile(fresh, 99), unit: 'ms', reference: 'ack latency of that POST p99', referenceValue: ackP99 });
}

// ---- 1. ingest, with its references ----

/** Acknowledged spans/s per format at 32 requests in flight, for the scaling comparison. */
const closedLoopRate: Partial<Record<(typeof formats)[number], number>> = {};
const sustainedRate: Partial<Record<(typeof formats)[number], number>> = {};
const ackP99Half: Partial<Record<(typeof formats)[number], number>> = {};
const ackP50Half: Partial<Record<(typeof formats)[number], number>> = {};

function payloadFile(format: (typeof formats)[number]): string {
  const file = join(work, `${format}.bin`);
  writeBodies(file, buildPayloads(format, 16, spansPerBatch, formats.indexOf(format) + 1).bodies);
  return file;
}

const okSpans = (result: LoadResult) => ((result.statuses['200'] ?? 0) + (result.statuses['202'] ?? 0)) * spansPerBatch;

async function ingest(collector: CollectorProcess, limits: StorageLimits): Promise<void> {
  for (const format of formats) {
    const payloads = buildPayloads(format, 16, spansPerBatch, formats.indexOf(format) + 1);
    const file = payloadFile(format);
    const { listener, path, contentType } = endpoint[format];
    const url = `http://127.0.0.1:${collector.ports[listener]}${path}`;

    // Decode-only reference: parse and normalise the same bodies in this process, nothing else.
    const decodeStart = performance.now();
    for (let i = 0; i < size.decodeBodies; i++) decode(format, payloads.bodies[i % payloads.bodies.length]!);
    const decodeRate = (size.decodeBodies * spansPerBatch) / ((performance.now() - decodeStart) / 1000);

    progress(`ingest ${format}: closed loop, ${size.ingestRequests} × ${spansPerBatch} spans`);
    const before = await countSpans(collector);
    const started = performance.now();
    const max = await runLoad(url, contentType, file, size.ingestRequests, { concurrency: 32 });
    progress(`ingest ${format}: waiting until every acknowledged span is stored`);
    await collector.caughtUp();
    const storedAfterMs = performance.now() - started;
    const stored = (await countSpans(collector)) - before;
    const sent = size.ingestRequests * spansPerBatch;
    const acknowledged = okSpans(max);
    const lost = acknowledged - stored;
    const rate = acknowledged / (max.elapsedMs / 1000);
    closedLoopRate[format] = rate;
    const sustained = lost === 0 ? stored / (storedAfterMs / 1000) : 0;
    sustainedRate[format] = sustained;

    progress(`ingest ${format}: open loop at 50% of the sustained rate (${(sustained / 2) | 0} spans/s)`);
    const half = await runLoad(url, contentType, file, size.latencyRequests, { rate: sustained / 2 / spansPerBatch });
    await collector.caughtUp();
    ackP99Half[format] = percentile(half.latencies, 99);
    ackP50Half[format] = percentile(half.latencies, 50);
    const section = `1 ingest ${format}`;
    record({
      id: `ingest.${format}.sustained`,
      section,
      metric: `spans/s acknowledged and stored (closed loop, 32 in flight, until the last is stored; acknowledged ${acknowledged} of ${sent}, lost ${lost}, statuses ${JSON.stringify(max.statuses)})`,
      value: sustained,
      unit: 'spans/s',
      reference: 'ingest.storage_limit.seam (fastest insert path into Seam\'s schema)',
      referenceValue: limits.seam,
      goal: '≥0.9',
    });
    record({ section, metric: 'spans/s acknowledged (fsynced in the write-ahead log)', value: rate, unit: 'spans/s', reference: 'decode-only rate of the same bodies', referenceValue: decodeRate });
    record({ section, metric: 'ack latency p50 at 50% of the sustained rate', value: ackP50Half[format]!, unit: 'ms', reference: 'ack latency p50 at full rate', referenceValue: percentile(max.latencies, 50) });
    record({ id: `ingest.${format}.ack_p99_half`, section, metric: 'ack latency p99 at 50% of the sustained rate', value: ackP99Half[format]!, unit: 'ms', reference: 'ack latency p99 at full rate', referenceValue: percentile(max.latencies, 99), goal: '≤50 ms' });
  }
}

/** What a collector acknowledges while ClickHouse is unreachable: its own ceiling, the log alone. */
async function ceiling(collector: CollectorProcess, label: string, warmUpRequests = 0): Promise<LoadResult> {
  const format = 'otlp-proto';
  const { listener, path, contentType } = endpoint[format];
  const url = `http://127.0.0.1:${collector.ports[listener]}${path}`;
  await collector.storeDown(true);
  if (warmUpRequests > 0) {
    progress(`ingest ceiling (${label}): ${warmUpRequests} requests to warm up`);
    await runLoad(url, contentType, join(work, `${format}.bin`), warmUpRequests, { concurrency: 32 });
  }
  progress(`ingest ceiling (${label}): ${size.ceilingRequests} × ${spansPerBatch} spans with the store unreachable`);
  const result = await runLoad(url, contentType, join(work, `${format}.bin`), size.ceilingRequests, { concurrency: 32 });
  await collector.storeDown(false);
  progress(`ingest ceiling (${label}): the store is back; storing the log`);
  await collector.caughtUp();
  return result;
}

const ceilingRate = (result: LoadResult) => okSpans(result) / (result.elapsedMs / 1000);

/**
 * The ceiling as a remote ClickHouse cluster gets it: a collector of its own, started once the collector of
 * sections 1–2 has stopped, so that no embedded engine merges earlier data on these cores, and warmed up
 * first so that compiling the code is not part of the figure. `afterIngest` is the same load measured on
 * the collector of section 1 right after it stored its spans, for the difference the merges make.
 */
async function ceilingWalOnly(afterIngest: LoadResult): Promise<void> {
  const onOwnCollector = async (label: string, dir: string, env: Record<string, string>): Promise<LoadResult> => {
    const collector = await spawnCollector(join(work, dir), env);
    try {
      return await ceiling(collector, label, size.ceilingWarmUp);
    } finally {
      await collector.stop();
    }
  };
  const threaded = await onOwnCollector('prepare threads', 'ceiling', {});
  // The worker-thread lever in the same run: the same load against a collector preparing in its main thread.
  const inMain = await onOwnCollector('main thread only', 'ceiling-inline', { SEAM_PREPARE_THREADS: '0' });
  record({
    id: 'ingest.ceiling_wal_only',
    section: '1 ingest',
    metric: `spans/s acknowledged with ClickHouse unreachable (otlp-proto, ${spansPerBatch}-span batches, 32 in flight, a collector of its own after ${size.ceilingWarmUp} requests to warm up; statuses ${JSON.stringify(threaded.statuses)})`,
    value: ceilingRate(threaded),
    unit: 'spans/s',
    reference: 'ingest.otlp-proto.sustained (stored)',
    referenceValue: sustainedRate['otlp-proto'] ?? NaN,
    goal: '≥100 000/s',
  });
  record({ section: '1 ingest', metric: 'the same, decoding in worker threads (prepareThreads = cores)', value: ceilingRate(threaded), unit: 'spans/s', reference: 'decoding in the main thread (SEAM_PREPARE_THREADS=0)', referenceValue: ceilingRate(inMain) });
  record({ section: '1 ingest', metric: 'the same, on the collector of section 1 right after it stored its spans (its engine merging them)', value: ceilingRate(afterIngest), unit: 'spans/s', reference: 'ingest.ceiling_wal_only', referenceValue: ceilingRate(threaded) });
}

/**
 * `ack_p99_half` again with the store unreachable, so that no insert runs on the collector's cores: the
 * collector's own part of that latency, as with ClickHouse on a host of its own. Merges of what was
 * stored before still run in the embedded engine.
 */
async function ackWithoutInserts(collector: CollectorProcess): Promise<void> {
  const format = 'otlp-proto';
  const { listener, path, contentType } = endpoint[format];
  const rate = (sustainedRate[format] ?? 10_000) / 2;
  await collector.storeDown(true);
  progress(`ingest ${format}: open loop at 50% of the sustained rate (${rate | 0} spans/s) with the store unreachable`);
  const half = await runLoad(`http://127.0.0.1:${collector.ports[listener]}${path}`, contentType, join(work, `${format}.bin`), size.latencyRequests, { rate: rate / spansPerBatch });
  await collector.storeDown(false);
  await collector.caughtUp();
  const section = `1 ingest ${format}`;
  record({ section, metric: 'ack latency p50 at 50% of the sustained rate, no inserts running (store unreachable)', value: percentile(half.latencies, 50), unit: 'ms', reference: 'the same with inserts running', referenceValue: ackP50Half[format] ?? NaN });
  record({ section, metric: 'ack latency p99 at 50% of the sustained rate, no inserts running (store unreachable)', value: percentile(half.latencies, 99), unit: 'ms', reference: 'ingest.otlp-proto.ack_p99_half (inserts running)', referenceValue: ackP99Half[format] ?? NaN });
}

/**
 * A true overload: senders offer twice the sustained rate to a collector whose write-ahead log may hold
 * `overloadLogBytes`, so the backlog reaches its bound within the run. What does not fit must be refused
 * with Retry-After, memory must stay bounded, and every acknowledged span must be stored.
 */
async function overload(): Promise<void> {
  const format = 'otlp-proto';
  const config = join(work, 'overload.yaml');
  writeFileSync(config, `writer:\n  spoolMaxBytes: ${overloadLogBytes}\n`);
  const collector = await spawnCollector(join(work, 'overload'), {}, config);
  let peakRssBytes = NaN;
  try {
    const { listener, path, contentType } = endpoint[format];
    const offered = 2 * (sustainedRate[format] ?? 10_000);
    progress(`overload: ${size.overloadRequests} × ${spansPerBatch} spans offered at ${offered | 0} spans/s`);
    const result = await runLoad(`http://127.0.0.1:${collector.ports[listener]}${path}`, contentType, join(work, `${format}.bin`), size.overloadRequests, { rate: offered / spansPerBatch });
    progress('overload: storing what was acknowledged');
    await collector.caughtUp();
    const stored = await countSpans(collector);
    const acknowledged = okSpans(result);
    ({ peakRssBytes } = await collector.stop());
    const refused = Object.entries(result.statuses).filter(([status]) => status === '503' || status === '429').reduce((sum, [, n]) => sum + n * spansPerBatch, 0);
    record({
      section: '1 ingest overload',
      metric: `otlp-proto offered at 2× the sustained rate, log limited to ${overloadLogBytes / 2 ** 20} MiB: sent ${size.overloadRequests * spansPerBatch}, acknowledged ${acknowledged}, refused with Retry-After ${refused}, stored ${stored}, lost ${acknowledged - stored}; statuses ${JSON.stringify(result.statuses)}`,
      value: acknowledged / (result.elapsedMs / 1000),
      unit: 'spans/s',
      reference: 'offered',
      referenceValue: (size.overloadRequests * spansPerBatch) / (result.elapsedMs / 1000),
    });
    record({ section: '1 ingest overload', metric: 'collector peak RSS (VmHWM) under overload', value: peakRssBytes / 2 ** 20, unit: 'MiB', reference: 'the same collector in sections 1–2', referenceValue: collectorPeakMiB });
  } finally {
    if (Number.isNaN(peakRssBytes)) await collector.stop();
  }
}

/** The acknowledgement lever in one run: the same half-rate load against a collector that answers from the store. */
async function ackFromStore(): Promise<void> {
  const format = 'otlp-proto';
  const collector = await spawnCollector(join(work, 'ack-store'), { SEAM_ACK: 'store' });
  try {
    const { listener, path, contentType } = endpoint[format];
    const rate = sustainedRate[format] ?? 1000;
    progress(`ingest ${format}, SEAM_ACK=store: open loop at ${(rate / 2) | 0} spans/s`);
    const half = await runLoad(`http://127.0.0.1:${collector.ports[listener]}${path}`, contentType, join(work, `${format}.bin`), size.latencyRequests, { rate: rate / 2 / spansPerBatch });
    record({ section: `1 ingest ${format}`, metric: 'ack latency p99 at 50% of the sustained rate, SEAM_ACK=store (answered once in ClickHouse)', value: percentile(half.latencies, 99), unit: 'ms', reference: 'the same with SEAM_ACK=wal', referenceValue: ackP99Half[format] ?? NaN });
  } finally {
    await collector.stop();
  }
}

/**
 * Section 6, scaling out: two collector processes, each on its own embedded store, each under half
 * the load (16 requests in flight apiece), against the single process measured in section 1. On a
 * 2-core machine both processes and both load generators share the same cores.
 */
async function scaleOut(): Promise<void> {
  const format = 'otlp-proto';
  const file = join(work, `${format}.bin`);
  const { listener, path, contentType } = endpoint[format];
  progress('scaling: 2 collector processes');
  const pair = await Promise.all([spawnCollector(join(work, 'scale-a')), spawnCollector(join(work, 'scale-b'))]);
  try {
    const started = performance.now();
    const results = await Promise.all(
      pair.map(async (collector) => {
        const result = await runLoad(`http://127.0.0.1:${collector.ports[listener]}${path}`, contentType, file, size.ingestRequests, { concurrency: 16 });
        await collector.caughtUp();
        return result;
      }),
    );
    const stored = results.reduce((sum, result) => sum + okSpans(result), 0);
    record({ section: '6 scaling', metric: `${format}: spans/s acknowledged and stored by 2 collector processes, own stores`, value: stored / ((performance.now() - started) / 1000), unit: 'spans/s', reference: '1 collector process (ingest.otlp-proto.sustained)', referenceValue: sustainedRate[format] ?? NaN });
  } finally {
    await Promise.all(pair.map((collector) => collector.stop()));
  }
}

// ---- 6. collector CPU with a discard sink ----

/**
 * CPU per span of `work(bodies)`, run over `size.decodeBodies` bodies in five slices: the median slice.
 * One pass over all of them would charge a single major collection of this process's large heap, or a
 * burst from another tenant of the shared cores, to the whole figure.
 */
function cpuMicros(work: (bodies: number) => void): number {
  const slices = 5;
  const bodies = Math.max(1, Math.round(size.decodeBodies / slices));
  const perSpan: number[] = [];
  for (let slice = 0; slice < slices; slice++) {
    const started = process.cpuUsage();
    work(bodies);
    const used = process.cpuUsage(started);
    perSpan.push((used.user + used.system) / (bodies * spansPerBatch));
  }
  return percentile(perSpan, 50);
}

/** CPU per span for each step of the receiving path, on the same bodies, nothing stored. */
function discardSink(): void {
  for (const format of formats) {
    const { bodies } = buildPayloads(format, 8, spansPerBatch, 100 + formats.indexOf(format));
    const body = (i: number) => bodies[i % bodies.length]!;
    // Warm up the JIT so the first format measured is not charged for it.
    for (let i = 0; i < 4; i++) toRows(format, body(i));
    const decodeUs = cpuMicros((n) => {
      for (let i = 0; i < n; i++) decode(format, body(i));
    });
    if (format === 'otlp-proto') {
      // The lever: reading the wire straight into spans, against protobufjs's messages normalised as OTLP/JSON is.
      const viaMessagesUs = cpuMicros((n) => {
        for (let i = 0; i < n; i++) normalizeResourceSpans(TraceRequest.decode(body(i)), 'proto', defaultDecodeLimits, { truncated: 0 });
      });
      record({ section: '6 scaling', metric: 'otlp-proto: CPU per span, decode straight into spans (decode/otlp-proto-traces.ts)', value: decodeUs, unit: 'µs', reference: 'protobufjs messages, then normalised', referenceValue: viaMessagesUs });
    }
    const enrichUs = cpuMicros((n) => {
      for (let i = 0; i < n; i++) for (const span of decode(format, body(i)).items) enrichSpan(span, defaultEnrichOptions);
    });
    let bytes = 0;
    let rowsWritten = 0;
    const fullUs = cpuMicros((n) => {
      for (let i = 0; i < n; i++) bytes += toRows(format, body(i)).body.length;
      rowsWritten += n * spansPerBatch;
    });
    const section = '6 scaling';
    record({ section, metric: `${format}: CPU per span, decode + enrich (discard sink)`, value: enrichUs, unit: 'µs', reference: 'CPU per span, decode only', referenceValue: decodeUs });
    record({ id: `ingest.${format}.cpu_per_span`, section, metric: `${format}: CPU per span, decode + enrich + serialise to Native (discard sink; ${(bytes / rowsWritten) | 0} B/row)`, value: fullUs, unit: 'µs', reference: 'CPU per span, decode only', referenceValue: decodeUs, goal: '≤10 µs' });
  }
}

// ---- table ----

function format(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function table(): string {
  const lines = ['| section | metric | value | reference | ref value | ratio | goal |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.section} | ${r.metric} | ${format(r.value)} ${r.unit} | ${r.reference} | ${format(r.referenceValue)} | ${Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : 'n/a'} | ${r.goal ?? ''} |`);
  return lines.join('\n');
}

// ---- main ----

const machine = { nproc: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, mode: quick ? 'quick' : 'full' };
const began = Date.now();
try {
  // The harness's own store, for the storage-limit reference and then the query-scale data set.
  const storeDir = join(work, 'harness');
  const store = await openStore({ dataDir: storeDir });
  await migrate(store, schemaTarget(loadConfig({ SEAM_DATA_DIR: storeDir })));
  const limits = await storageLimits(store, work, progress);
  const fastest = (schema: 'seam' | 'plain', format: string) => limits.paths.find((p) => p.schema === schema && p.format === format)?.rate ?? NaN;
  for (const path of limits.paths) {
    record({ section: '1 ingest storage', metric: `rows/s into the ${path.schema === 'seam' ? "Seam schema (every view)" : 'plain OpenTelemetry exporter schema'}, ${path.format === 'Native' ? 'Native blocks from a file' : 'raw JSONCompactEachRow insert'}`, value: path.rate, unit: 'rows/s', reference: 'raw JSONCompactEachRow into the same schema', referenceValue: fastest(path.schema, 'JSONCompactEachRow') });
  }
  record({ section: '1 ingest storage', metric: 'rows/s into the Seam schema, Native, views side by side (insertSettings: parallel_view_processing = 1)', value: fastest('seam', 'Native'), unit: 'rows/s', reference: 'the same, views one after another', referenceValue: limits.seamViewsInSequence });
  record({ section: '1 ingest storage', metric: "rows/s into the Seam schema, Native, the collector's blocks as it logs them (one per request, in arrival order)", value: limits.seamAsLogged, unit: 'rows/s', reference: "the same rows from the engine's file (sorted by the table's key part by part)", referenceValue: fastest('seam', 'Native') });
  record({ id: 'ingest.storage_limit.seam', section: '1 ingest storage', metric: 'storage limit, Seam schema: fastest insert path', value: limits.seam, unit: 'rows/s', reference: 'ingest.storage_limit.plain', referenceValue: limits.plain });
  record({ id: 'ingest.storage_limit.plain', section: '1 ingest storage', metric: 'storage limit, plain OpenTelemetry exporter schema: fastest insert path', value: limits.plain, unit: 'rows/s', reference: 'ingest.storage_limit.seam', referenceValue: limits.seam });

  const collector = await spawnCollector(join(work, 'collector'));
  await freshness(collector);
  await ingest(collector, limits);
  const ceilingAfterIngest = await ceiling(collector, 'after section 1');
  await ackWithoutInserts(collector);
  const { peakRssBytes } = await collector.stop();
  collectorPeakMiB = peakRssBytes / 2 ** 20;
  await ceilingWalOnly(ceilingAfterIngest);
  await ackFromStore();
  await overload();
  record({ section: '1 ingest', metric: 'collector peak RSS (VmHWM) over sections 1–2', value: peakRssBytes / 2 ** 20, unit: 'MiB', reference: 'harness process peak RSS (same engine, no server)', referenceValue: process.resourceUsage().maxRSS / 1024 });

  discardSink();
  await scaleOut();

  const loaded = await loadQueryData(store, size.querySpans, progress);
  for (const rollup of loaded.rollups) {
    record({ section: '3 queries', metric: `${rollup.name} rollup: all ${rollup.minutes} minutes at once (the collector spreads this over the run)`, value: rollup.ms, unit: 'ms', reference: 'decode + enrich + insert of the same spans', referenceValue: loaded.loadMs });
  }
  await queryBenchmarks(store, size.queryRepeats, record, progress);
  await policyBenchmarks(store, quick ? 3 : 5, record, progress);
  await storageCost(store, record);
  await store.close();

  await workerBenchmarks(work, size.workerRequests, record, progress);
  await consoleBenchmarks(work, record, progress);
} finally {
  rmSync(work, { recursive: true, force: true });
}
progress('');
const output = table();
process.stdout.write(`\n${output}\n\n${JSON.stringify(machine)} in ${((Date.now() - began) / 1000).toFixed(0)} s\n`);
writeFileSync(join(benchDir, 'results.json'), `${JSON.stringify({ machine, command: `npm run bench${quick ? ' -- --quick' : ''}`, at: new Date().toISOString(), rows }, null, 2)}\n`);
