/**
 * What the engine takes, by insert path: the collector's own rows for Envoy-shaped spans, in inserts of
 * `writer.maxBatchRows`, into Seam's migrated schema (every materialized view in place) and into the plain
 * OpenTelemetry Collector exporter schema, each as a raw JSONCompactEachRow insert and as Native blocks
 * read from a file, and Seam's schema also with its views run one after another. The fastest path of each
 * schema is its storage limit.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../collector/src/config/load.ts';
import { spanColumns } from '../collector/src/exporter/rows.ts';
import { columnList, type RowFormat } from '../collector/src/store/insert-format.ts';
import type { Store } from '../collector/src/store/open.ts';
import { buildPayloads, toRows } from './payloads.ts';
import { plainSchema, plainSpanColumns } from './queries.ts';

export interface StorageLimits {
  seam: number;
  plain: number;
  /** rows/s per schema and insert path. */
  paths: { schema: 'seam' | 'plain'; format: RowFormat; rate: number }[];
  /** rows/s into Seam's schema as Native with its views run one after another. */
  seamViewsInSequence: number;
  /** rows/s into Seam's schema of the collector's own blocks, one per request, in the order they arrived. */
  seamAsLogged: number;
}

const inserts = 6;

export async function storageLimits(store: Store, work: string, progress: (text: string) => void): Promise<StorageLimits> {
  const rowsPerInsert = loadConfig({}).writer.maxBatchRows;
  const blocks = buildPayloads('otlp-proto', 16, 512, 1).bodies.map((body) => toRows('otlp-proto', body));
  // One insert's worth of rows, in both formats and for both schemas, serialised by the engine itself
  // from a scratch table without views.
  await store.client.command({ query: 'DROP TABLE IF EXISTS bench_rows' });
  await store.client.command({ query: 'CREATE TABLE bench_rows AS otel_traces' });
  await store.client.command({ query: 'CREATE DATABASE IF NOT EXISTS plain' });
  for (const query of ['DROP TABLE IF EXISTS plain.otel_traces_trace_id_ts_mv', 'DROP TABLE IF EXISTS plain.otel_traces', 'DROP TABLE IF EXISTS plain.otel_traces_trace_id_ts', ...plainSchema('plain', true)]) {
    await store.client.command({ query });
  }
  const logged: Buffer[] = [];
  let loaded = 0;
  for (let i = 0; loaded < rowsPerInsert; i++) {
    const block = blocks[i % blocks.length]!;
    await store.insertRows('bench_rows', spanColumns, block.body, 'Native');
    logged.push(block.body);
    loaded += block.rows;
  }
  // What the log writer inserts: the same rows as the blocks the requests were logged in, one after another.
  const asLogged = Buffer.concat(logged);
  const payload = async (columns: readonly string[], format: RowFormat): Promise<Buffer> => {
    const file = join(work, `rows.${format}`);
    rmSync(file, { force: true });
    await store.client.command({ query: `INSERT INTO FUNCTION file({file:String}, ${format}) SELECT ${columnList(columns)} FROM bench_rows LIMIT ${rowsPerInsert}`, query_params: { file } });
    return readFileSync(file);
  };

  const paths: StorageLimits['paths'] = [];
  let sequentialMs = 0;
  let asLoggedMs = 0;
  for (const [schema, table, columns] of [['seam', 'otel_traces', spanColumns], ['plain', 'plain.otel_traces', plainSpanColumns]] as const) {
    for (const format of ['JSONCompactEachRow', 'Native'] as const) {
      const body = await payload(columns, format);
      const lever = schema === 'seam' && format === 'Native';
      const file = join(work, 'sequential.native');
      if (lever) writeFileSync(file, body);
      let elapsedMs = 0;
      for (let i = 0; i < inserts; i++) {
        const started = performance.now();
        await store.insertRows(table, columns, body, format);
        elapsedMs += performance.now() - started;
        progress(`storage limit: ${schema} schema, ${format}, insert ${i + 1}/${inserts} of ${rowsPerInsert} rows`);
        if (!lever) continue;
        // The lever, interleaved insert by insert so the table's growth weighs on both alike: Seam's
        // views run one after another, as before insertSettings.
        const sequentialStarted = performance.now();
        await store.client.command({ query: `INSERT INTO otel_traces (${columnList(spanColumns)}) SELECT * FROM file({file:String}, Native) SETTINGS parallel_view_processing = 0`, query_params: { file } });
        sequentialMs += performance.now() - sequentialStarted;
        // The engine's file holds the rows as it reads them back, sorted by the table's key part by part;
        // the collector's blocks hold them in arrival order. Interleaved the same way.
        const asLoggedStarted = performance.now();
        await store.insertRows(table, columns, asLogged, 'Native');
        asLoggedMs += performance.now() - asLoggedStarted;
      }
      paths.push({ schema, format, rate: (inserts * rowsPerInsert) / (elapsedMs / 1000) });
    }
  }
  const sequential = (inserts * rowsPerInsert) / (sequentialMs / 1000);
  await store.client.command({ query: 'DROP TABLE bench_rows' });
  await store.client.command({ query: 'DROP DATABASE plain' });
  const fastest = (schema: 'seam' | 'plain') => Math.max(...paths.filter((p) => p.schema === schema).map((p) => p.rate));
  // Views one after another is a path the engine offers too: when it is the faster one in a run, it is
  // the limit, so that the collector's own setting cannot lower the reference its ratios are taken to.
  return { seam: Math.max(fastest('seam'), sequential), plain: fastest('plain'), paths, seamViewsInSequence: sequential, seamAsLogged: (inserts * loaded) / (asLoggedMs / 1000) };
}
