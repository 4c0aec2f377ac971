import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCursor, type Cursor } from '../collector/src/api/params.ts';
import { listMismatches } from '../collector/src/api/queries/mismatches.ts';
import { generateTraffic, linkMethods, mismatchKinds, producers, type Truth } from './generator/traffic.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { sendBatches } from './helpers/send.ts';

// 10 000 generated requests (edge spans from Seam's exporter, otel-cf-workers, Workers' built-in tracing
// and conventions-only spans; Istio ≤1.27 and ≥1.28 over OTLP and Zipkin, access logs, skew, shuffled,
// split and late delivery, duplicates) through the real receivers into embedded ClickHouse.
const requests = 10_000;
let collector: TestCollector;
let truth: Truth;

beforeAll(async () => {
  collector = await startTestCollector();
  const traffic = generateTraffic({ requests, seed: 7, startMs: Date.UTC(2026, 10, 20, 9, 0, 0) });
  truth = traffic.truth;
  await sendBatches(collector, traffic.batches.filter((b) => !b.late));
  await sendBatches(collector, traffic.batches.filter((b) => b.late));
}, 300_000);
afterAll(async () => {
  await collector?.close();
});

interface Score {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
}

function score(predicted: Set<string>, expected: Set<string>): Score {
  let tp = 0;
  for (const item of predicted) if (expected.has(item)) tp++;
  const fp = predicted.size - tp;
  const fn = expected.size - tp;
  return { tp, fp, fn, precision: predicted.size ? tp / predicted.size : 1, recall: expected.size ? tp / expected.size : 1 };
}

/**
 * Scores per `label` and per producer of the edge trace (the item's second field), so that a shape
 * that only one producer emits cannot hide behind the others; mesh requests with no edge request
 * count under `no edge`.
 */
function scoreByProducer(label: string, predicted: Set<string>, expected: Set<string>): Record<string, Score> {
  const producerOf = (item: string) => truth.producers.get(item.split('|')[1]!) ?? 'no edge';
  const table: Record<string, Score> = {};
  for (const producer of [...producers, 'no edge']) {
    const mine = (items: Set<string>) => new Set([...items].filter((item) => producerOf(item) === producer));
    const s = score(mine(predicted), mine(expected));
    if (s.tp + s.fp + s.fn > 0) table[`${label} / ${producer}`] = s;
  }
  return table;
}

describe(`correlation of ${requests} generated requests`, () => {
  it('finds edge ↔ mesh links with precision and recall ≥ 0.99 per method and producer', async () => {
    const rows = await collector.query<{ EdgeTraceId: string; MeshTraceId: string; Method: string }>('SELECT EdgeTraceId, MeshTraceId, Method FROM seam_links');
    const table: Record<string, Score> = {};
    for (const method of linkMethods) {
      const predicted = new Set(rows.filter((r) => r.Method === method).map((r) => `${method}|${r.EdgeTraceId}|${r.MeshTraceId}`));
      const expected = new Set([...truth.links].filter(([, m]) => m === method).map(([pair]) => `${method}|${pair}`));
      expect(expected.size, method).toBeGreaterThan(50);
      Object.assign(table, scoreByProducer(method, predicted, expected));
    }
    console.table(table);
    // Every producer that can give a link is measured for it.
    expect(Object.keys(table).filter((key) => table[key]!.tp > 0).sort()).toEqual(
      [
        'trace_id / seam_exporter', 'trace_id / otel_cf_workers', 'trace_id / server_only',
        'cf_ray / seam_exporter', 'cf_ray / otel_cf_workers', 'cf_ray / workers_builtin', 'cf_ray / server_only',
        'request_id / seam_exporter', 'request_id / server_only',
        'identity_time / seam_exporter', 'identity_time / otel_cf_workers', 'identity_time / workers_builtin', 'identity_time / server_only',
      ].sort(),
    );
    for (const [key, s] of Object.entries(table)) {
      expect(s.precision, `${key} precision`).toBeGreaterThanOrEqual(0.99);
      expect(s.recall, `${key} recall`).toBeGreaterThanOrEqual(0.99);
    }
    const ambiguous = await collector.query<{ n: string }>('SELECT count() AS n FROM seam_ambiguous_identity_links');
    expect(Number(ambiguous[0]!.n)).toBe(truth.ambiguousPairs * 2);
  });

  it('detects every mismatch kind with precision and recall ≥ 0.99 per producer', async () => {
    const rows = await collector.query<{ Kind: string; TraceId: string; MeshTraceId: string }>('SELECT Kind, TraceId, MeshTraceId FROM seam_mismatches');
    const table: Record<string, Score> = {};
    for (const kind of mismatchKinds) {
      const predicted = new Set(rows.filter((r) => r.Kind === kind).map((r) => `${kind}|${r.TraceId}|${r.MeshTraceId}`));
      const expected = new Set([...truth.mismatches].filter((m) => m.startsWith(`${kind}|`)));
      expect(expected.size, kind).toBeGreaterThan(20);
      Object.assign(table, scoreByProducer(kind, predicted, expected));
    }
    console.table(table);
    for (const [key, s] of Object.entries(table)) {
      expect(s.precision, `${key} precision`).toBeGreaterThanOrEqual(0.99);
      expect(s.recall, `${key} recall`).toBeGreaterThanOrEqual(0.99);
    }
  });

  it('never reports a mesh request without an edge when any method links it to one', async () => {
    const contradictions = await collector.query<{ MeshTraceId: string }>(
      "SELECT MeshTraceId FROM seam_mismatches WHERE Kind = 'mesh_without_edge' AND MeshTraceId IN (SELECT MeshTraceId FROM seam_links)",
    );
    expect(contradictions).toEqual([]);
  });

  it('pages the API through exactly the mismatches of the whole store, newest first, searching backwards in slices', async () => {
    const all = await collector.query<{ Kind: string; TraceId: string; MeshTraceId: string; ns: string }>(
      'SELECT Kind, TraceId, MeshTraceId, toString(toUnixTimestamp64Nano(Timestamp)) AS ns FROM seam_mismatches',
    );
    const window = {
      fromNs: all.reduce((min, row) => (BigInt(row.ns) < min ? BigInt(row.ns) : min), BigInt(all[0]!.ns)).toString(),
      toNs: (BigInt(Date.UTC(2026, 10, 20, 12, 0, 0)) * 1_000_000n).toString(),
    };
    const paged: string[] = [];
    let after: Cursor | null = null;
    let pages = 0;
    do {
      const page = await listMismatches(collector.store, window, {}, { limit: 1500, after }, null);
      paged.push(...page.mismatches.map((m) => `${m.kind}|${m.traceId}|${m.meshTraceId}`));
      after = page.nextCursor === null ? null : decodeCursor(page.nextCursor);
      pages++;
    } while (after !== null);
    expect(pages).toBeGreaterThan(2);
    expect(new Set(paged).size).toBe(paged.length);
    expect(paged.sort()).toEqual(all.map((r) => `${r.Kind}|${r.TraceId}|${r.MeshTraceId}`).sort());
  });

  it('records the decision and reason at each decision point correctly (≥ 0.99), and no app 403 as a mesh deny', async () => {
    const rows = await collector.query<{ TraceId: string; SpanId: string; Decision: string; Reason: string; Policy: string; DryRunResult: string }>(
      'SELECT TraceId, SpanId, Decision, Reason, Policy, DryRunResult FROM seam_decision_points',
    );
    const stored = new Map(rows.map((r) => [`${r.TraceId}|${r.SpanId}`, r]));
    let correct = 0;
    const wrong: string[] = [];
    for (const [key, expected] of truth.decisions) {
      const got = stored.get(key);
      const ok =
        got !== undefined &&
        got.Decision === expected.decision &&
        got.Reason === expected.reason &&
        (expected.policy === undefined || got.Policy === expected.policy) &&
        (expected.dryRun === undefined || got.DryRunResult === expected.dryRun);
      if (ok) correct++;
      else if (wrong.length < 5) wrong.push(`${key}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
    }
    const accuracy = correct / truth.decisions.size;
    console.log(`decisions: ${correct}/${truth.decisions.size} correct (${accuracy.toFixed(4)}); stored decision points ${stored.size}`);
    expect(accuracy, wrong.join('\n')).toBeGreaterThanOrEqual(0.99);
    expect(stored.size).toBe(truth.decisions.size);
    const falseMeshDenies = [...truth.appForbidden].filter((key) => stored.get(key)?.Decision !== 'allow');
    expect(truth.appForbidden.size).toBeGreaterThan(50);
    expect(falseMeshDenies).toEqual([]);
  });
});
