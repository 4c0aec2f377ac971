import { logColumns, spanColumns } from '../collector/src/exporter/rows.ts';
import { listMismatches } from '../collector/src/api/queries/mismatches.ts';
import { loadSql } from '../collector/src/lib/sql-files.ts';
import { rollUpDecisionCounts } from '../collector/src/rollup/decision-counts.ts';
import { rollUpMismatches } from '../collector/src/rollup/mismatches.ts';
import { rollUpPolicyShapes } from '../collector/src/rollup/policy-shapes.ts';
import type { Store } from '../collector/src/store/open.ts';
import { generateTraffic } from '../test/generator/traffic.ts';
import { generatorRows } from './payloads.ts';
import type { Row } from './run.ts';

type Record_ = (row: Omit<Row, 'ratio'>) => void;

/** Empties every table of the default database (the storage-limit rows must not count as query data). */
async function truncateAll(store: Store): Promise<void> {
  const tables = await (await store.client.query({ query: "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'", format: 'JSONEachRow' })).json<{ name: string }>();
  for (const { name } of tables) if (name !== 'seam_schema_migrations') await store.client.command({ query: `TRUNCATE TABLE ${name}` });
}

/**
 * Generated edge + mesh traffic through the collector's own decode → enrich → rows path into Seam's
 * schema, then copied into a plain OpenTelemetry Collector `otel_traces` schema in database `ref`.
 */
export async function loadQueryData(store: Store, targetSpans: number, progress: (text: string) => void): Promise<{ loadMs: number; rollups: { name: string; minutes: number; ms: number }[] }> {
  await truncateAll(store);
  const loadStarted = performance.now();
  const requestsPerChunk = 2000;
  // Requests are 40 ms apart; about 4 spans each. Start early enough that the data ends near now.
  const startMs = Date.now() - Math.ceil(targetSpans / 4) * 40;
  let spans = 0;
  for (let chunk = 0; spans < targetSpans && chunk < Math.ceil(targetSpans / requestsPerChunk); chunk++) {
    const { batches } = generateTraffic({ requests: requestsPerChunk, seed: 1000 + chunk, startMs: startMs + chunk * requestsPerChunk * 40, perBatch: 50 });
    const byTable = { otel_traces: { blocks: [] as Buffer[], rows: 0 }, otel_logs: { blocks: [] as Buffer[], rows: 0 } };
    for (const batch of batches) {
      const { table, body, rows } = generatorRows(batch.receiver, batch.body);
      byTable[table].blocks.push(body);
      byTable[table].rows += rows;
    }
    if (byTable.otel_traces.rows > 0) await store.insertRows('otel_traces', spanColumns, Buffer.concat(byTable.otel_traces.blocks), 'Native');
    if (byTable.otel_logs.rows > 0) await store.insertRows('otel_logs', logColumns, Buffer.concat(byTable.otel_logs.blocks), 'Native');
    spans += byTable.otel_traces.rows;
    progress(`query data: ${spans.toLocaleString('en-US')} / ${targetSpans.toLocaleString('en-US')} spans`);
  }
  const loadMs = performance.now() - loadStarted;
  const ddl = [
    'CREATE DATABASE IF NOT EXISTS ref',
    'DROP TABLE IF EXISTS ref.otel_traces',
    'DROP TABLE IF EXISTS ref.otel_traces_trace_id_ts',
    ...plainSchema('ref'),
    `INSERT INTO ref.otel_traces SELECT Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes,
      ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage, Events.Timestamp, Events.Name, Events.Attributes,
      Links.TraceId, Links.SpanId, Links.TraceState, Links.Attributes FROM otel_traces`,
    // What the exporter's materialized view would have written, batch by batch, for the same spans.
    "INSERT INTO ref.otel_traces_trace_id_ts SELECT TraceId, min(Timestamp), max(Timestamp) FROM otel_traces WHERE TraceId != '' GROUP BY TraceId",
  ];
  progress('query data: building the reference schema');
  for (const query of ddl) await store.client.command({ query });
  // What the collector's rollups would have stored while the data arrived. Minutes are rolled up only once
  // quiet, and quiet is measured in whole seconds.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const rollups = [];
  for (const [name, rollUp] of [['decision counts', rollUpDecisionCounts], ['mismatches', rollUpMismatches], ['policy shapes', rollUpPolicyShapes]] as const) {
    const started = performance.now();
    const { minutes } = await rollUp(store, { graceSeconds: 0, onProgress: (done, due) => progress(`query data: ${name} rollup ${done} / ${due} minutes`) });
    rollups.push({ name, minutes, ms: performance.now() - started });
  }
  return { loadMs, rollups };
}

/**
 * The OpenTelemetry Collector ClickHouse exporter's trace tables in database `db`; with `view`, also its
 * materialized view that fills the trace-id index as rows arrive (for insert-rate comparisons).
 */
export function plainSchema(db: string, view = false): string[] {
  const tables = [
    `CREATE TABLE ${db}.otel_traces (
      Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
      TraceId String CODEC(ZSTD(1)), SpanId String CODEC(ZSTD(1)), ParentSpanId String CODEC(ZSTD(1)), TraceState String CODEC(ZSTD(1)),
      SpanName LowCardinality(String) CODEC(ZSTD(1)), SpanKind LowCardinality(String) CODEC(ZSTD(1)), ServiceName LowCardinality(String) CODEC(ZSTD(1)),
      ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
      ScopeName String CODEC(ZSTD(1)), ScopeVersion String CODEC(ZSTD(1)),
      SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
      Duration UInt64 CODEC(T64, ZSTD(1)),
      StatusCode LowCardinality(String) CODEC(ZSTD(1)), StatusMessage String CODEC(ZSTD(1)),
      Events Nested (Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
      Links Nested (TraceId String, SpanId String, TraceState String, Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
      INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
      INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
      INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
      INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
      INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
      INDEX idx_duration Duration TYPE minmax GRANULARITY 1
    ) ENGINE = MergeTree PARTITION BY toDate(Timestamp) ORDER BY (ServiceName, SpanName, toDateTime(Timestamp)) SETTINGS ttl_only_drop_parts = 1`,
    `CREATE TABLE ${db}.otel_traces_trace_id_ts (TraceId String CODEC(ZSTD(1)), Start DateTime CODEC(Delta(4), ZSTD(1)), End DateTime CODEC(Delta(4), ZSTD(1)),
      INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1) ENGINE = MergeTree PARTITION BY toDate(Start) ORDER BY (TraceId, Start)`,
  ];
  if (!view) return tables;
  return [
    ...tables,
    `CREATE MATERIALIZED VIEW ${db}.otel_traces_trace_id_ts_mv TO ${db}.otel_traces_trace_id_ts AS
      SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End FROM ${db}.otel_traces WHERE TraceId != '' GROUP BY TraceId`,
  ];
}

/** The columns the plain schema shares with Seam's. */
export const plainSpanColumns = spanColumns.slice(0, spanColumns.indexOf('Links.Attributes') + 1);

const window = 'Timestamp >= now64(9) - INTERVAL 24 HOUR';

const traceById = (db: string) => `
  SELECT TraceId, SpanId, ParentSpanId, ServiceName, SpanName, SpanKind, Timestamp, Duration, StatusCode, SpanAttributes
  FROM ${db}.otel_traces
  WHERE TraceId = {id:String}
    AND Timestamp >= (SELECT toDateTime64(min(Start), 9) FROM ${db}.otel_traces_trace_id_ts WHERE TraceId = {id:String})
    AND Timestamp < (SELECT toDateTime64(max(End), 9) + INTERVAL 1 SECOND FROM ${db}.otel_traces_trace_id_ts WHERE TraceId = {id:String})
  ORDER BY Timestamp`;

// From the plain schema a decision has to be re-derived from maps: the edge's own attribute, or a
// mesh proxy's 401/403 (which cannot tell an app 403 from a policy deny).
const refDecisionSpans = `
  SELECT Timestamp, TraceId, SpanId, ServiceName,
    SpanAttributes['seam.authz.decision'] != '' AS isEdge,
    if(isEdge, SpanAttributes['seam.authz.decision'], if(SpanAttributes['http.status_code'] IN ('401', '403'), 'deny', 'allow')) AS decision,
    if(isEdge, SpanAttributes['seam.authz.reason'], if(decision = 'deny', SpanAttributes['response_flags'], '')) AS reason,
    JSONExtract(SpanAttributes['seam.auth.groups'], 'Array(String)') AS groups,
    SpanAttributes['enduser.id'] AS subject
  FROM ref.otel_traces
  WHERE ${window} AND (SpanAttributes['seam.authz.decision'] != '' OR (SpanAttributes['component'] = 'proxy' AND SpanKind = 'Server'))`;

const refDecisionsByGroup = `SELECT g, reason, decision, count() AS n FROM (${refDecisionSpans}) ARRAY JOIN if(empty(groups), [''], groups) AS g GROUP BY g, reason, decision ORDER BY n DESC`;

// The plain schema can only find edge-allow / mesh-deny pairs that share a trace id.
const refMismatchList = `SELECT e.TraceId, e.Timestamp, e.SpanAttributes['enduser.id'] AS subject, m.ServiceName, m.SpanAttributes['http.status_code'] AS status
      FROM ref.otel_traces AS e INNER JOIN ref.otel_traces AS m ON e.TraceId = m.TraceId
      WHERE e.SpanAttributes['seam.authz.decision'] = 'allow' AND m.SpanAttributes['component'] = 'proxy' AND m.SpanAttributes['http.status_code'] IN ('401', '403')
        AND e.${window}
      ORDER BY e.Timestamp DESC LIMIT 100`;

/** Seam's side of a question: SQL, or the API's own query function where it does more than one query. */
type SeamQuery = string | ((store: Store, params: Record<string, unknown>) => Promise<unknown>);

const questions: { name: string; seam: SeamQuery; ref: string; goal?: string }[] = [
  {
    name: '24 h decisions by group and reason',
    // The counts view: per-minute rollup where the collector has counted, decision rows elsewhere.
    seam: `SELECT g, Reason, Decision, sum(Points) AS n FROM seam_decision_counts_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}) ARRAY JOIN if(empty(Groups), [''], Groups) AS g GROUP BY g, Reason, Decision ORDER BY n DESC`,
    ref: refDecisionsByGroup,
    goal: '≤0.2 (≥5x faster)',
  },
  {
    name: '24 h decisions by group and reason, from decision rows (no rollup)',
    seam: `SELECT g, Reason, Decision, count() AS n FROM seam_decision_points_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}) ARRAY JOIN if(empty(Groups), [''], Groups) AS g WHERE ${window} GROUP BY g, Reason, Decision ORDER BY n DESC`,
    ref: refDecisionsByGroup,
  },
  {
    name: 'mismatch list (newest 100)',
    // The API's GET /api/v1/mismatches, first page: the window searched backwards in growing slices.
    seam: (store, params) => listMismatches(store, { fromNs: String(params.fromNs), toNs: String(params.toNs) }, {}, { limit: 100, after: null }, null),
    ref: refMismatchList,
    goal: '≤0.2 (≥5x faster)',
  },
  {
    name: 'mismatch list (newest 100 of the last 16 min), correlated from rows (no rollup)',
    // What the API reads for minutes the rollup has not stored yet: the newest data, or all of it with the rollup off.
    seam: (store, params) =>
      store.client
        .query({
          query: `SELECT * FROM seam_mismatch_records_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
                  WHERE ts BETWEEN fromUnixTimestamp64Nano({fromNs:Int64}) AND fromUnixTimestamp64Nano({toNs:Int64})
                  ORDER BY ts DESC, traceId DESC LIMIT 100`,
          query_params: { fromNs: (BigInt(String(params.toNs)) - 16n * 60n * 1_000_000_000n).toString(), toNs: params.toNs },
          format: 'JSONEachRow',
        })
        .then((result) => result.json()),
    ref: refMismatchList,
  },
  {
    name: 'identity timeline (one subject, 24 h, first 100)',
    // The API's own query (GET /api/v1/identities/{subject}/timeline), first page.
    seam: loadSql('api/timeline_decisions.sql'),
    ref: `SELECT * FROM (${refDecisionSpans}) WHERE subject = {subject:String} ORDER BY Timestamp LIMIT 100`,
    goal: '≤0.2 (≥5x faster)',
  },
];

async function timeQuery(store: Store, query: SeamQuery, params: Record<string, unknown>): Promise<number> {
  const start = performance.now();
  if (typeof query === 'function') await query(store, params);
  else await (await store.client.query({ query, query_params: params, format: 'JSONEachRow' })).json();
  return performance.now() - start;
}

/** Median of `repeats` timed runs after one warm-up run. */
async function median(store: Store, query: SeamQuery, params: Record<string, unknown>, repeats: number): Promise<number> {
  await timeQuery(store, query, params);
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push(await timeQuery(store, query, params));
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

export async function queryBenchmarks(store: Store, repeats: number, record: Record_, progress: (text: string) => void): Promise<void> {
  const one = async <T>(query: string) => (await (await store.client.query({ query, format: 'JSONEachRow' })).json<T>())[0]!;
  const { n } = await one<{ n: string }>('SELECT count() AS n FROM otel_traces');
  const section = `3 queries (${Number(n).toLocaleString('en-US')} spans)`;
  const ids = (await (await store.client.query({ query: 'SELECT TraceId FROM otel_traces_trace_id_ts ORDER BY cityHash64(TraceId) LIMIT 20', format: 'JSONEachRow' })).json<{ TraceId: string }>()).map((r) => r.TraceId);
  const seamTimes: number[] = [];
  const refTimes: number[] = [];
  for (const [i, id] of ids.entries()) {
    progress(`queries: trace by id ${i + 1}/${ids.length}`);
    seamTimes.push(await median(store, traceById('default'), { id }, 3));
    refTimes.push(await median(store, traceById('ref'), { id }, 3));
  }
  const mid = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  record({ section, metric: `trace by id via otel_traces_trace_id_ts (median of ${ids.length} ids)`, value: mid(seamTimes), unit: 'ms', reference: 'plain OTel exporter schema, same query', referenceValue: mid(refTimes), goal: '≤1 (no slower)' });

  const { subject } = await one<{ subject: string }>("SELECT Subject AS subject FROM seam_decisions WHERE Subject != '' GROUP BY Subject ORDER BY count() DESC LIMIT 1");
  for (const question of questions) {
    progress(`queries: ${question.name}`);
    const now = BigInt(Date.now()) * 1_000_000n;
    const params = {
      subject,
      fromNs: (now - 24n * 3600n * 1_000_000_000n).toString(),
      toNs: now.toString(),
      // The timeline query's paging and scope parameters: first page, no tenant scope.
      scoped: 0,
      scope: [],
      hasCursor: 0,
      cursorNs: '0',
      cursorK1: '',
      cursorK2: '',
      limit: 100,
    };
    const seam = await median(store, question.seam, params, repeats);
    const ref = await median(store, question.ref, params, repeats);
    record({ section, metric: question.name, value: seam, unit: 'ms', reference: 'plain OTel exporter schema, from attribute maps', referenceValue: ref, ...(question.goal ? { goal: question.goal } : {}) });
  }
}

/** Compressed bytes on disk per span: Seam's span table alone and with its derived tables, against the plain schema. */
export async function storageCost(store: Store, record: Record_): Promise<void> {
  const bytes = async (database: string, tables: string[]) =>
    Number(
      (
        await (
          await store.client.query({
            query: `SELECT sum(data_compressed_bytes) AS b FROM system.parts WHERE active AND database = ${database} AND table IN {tables:Array(String)}`,
            query_params: { tables },
            format: 'JSONEachRow',
          })
        ).json<{ b: string }>()
      )[0]!.b,
    );
  const spans = Number((await (await store.client.query({ query: 'SELECT count() AS n FROM otel_traces', format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n);
  const refBytes = await bytes("'ref'", ['otel_traces', 'otel_traces_trace_id_ts']);
  const seamTraces = await bytes('currentDatabase()', ['otel_traces', 'otel_traces_trace_id_ts']);
  const seamAll = await bytes('currentDatabase()', ['otel_traces', 'otel_traces_trace_id_ts', 'seam_decisions', 'seam_trace_summary', 'seam_join_keys', 'seam_keys', 'seam_decision_minutes', 'seam_decision_rollup', 'seam_subject_points', 'seam_mismatch_minutes', 'seam_mismatch_rollup', 'seam_policy_minutes', 'seam_policy_rollup']);
  const reference = 'plain OTel exporter schema (otel_traces + trace_id_ts)';
  record({ section: '4 storage', metric: 'compressed bytes per span: otel_traces + trace_id_ts', value: seamTraces / spans, unit: 'B', reference, referenceValue: refBytes / spans });
  record({ section: '4 storage', metric: 'compressed bytes per span: with every derived table (decisions, summaries, join keys, keys, the three rollups, subject points)', value: seamAll / spans, unit: 'B', reference, referenceValue: refBytes / spans });
}
