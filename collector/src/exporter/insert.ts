import type { Store } from '../store/open.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import type { RowFormat, SkipRows } from '../store/insert-format.ts';
import { logColumns, spanColumns } from './rows.ts';
import type { Table } from './writer.ts';

/** Inserts serialised rows; resolves true once stored, false if ClickHouse refused or failed (never rejects). */
export type Insert = (table: Table, format: RowFormat, body: Buffer, rows: number, skip?: SkipRows) => Promise<boolean>;

const columnsOf: Record<Table, readonly string[]> = { otel_traces: spanColumns, otel_logs: logColumns };

const rateWindowMs = 10_000;

/** The one insert both writers use, with its metrics. `onError` hears why an insert failed. */
export function createInsert(store: Store, metrics: Metrics, onError: (table: Table, error: Error) => void = () => {}): Insert {
  const observeBatch = metrics.histogram('seam_writer_batch_rows', 'Rows per ClickHouse insert', [10, 100, 1000, 5000, 20000, 100000]);
  const observeLatency = metrics.histogram('seam_writer_insert_seconds', 'ClickHouse insert latency', [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  const countWritten = metrics.counter('seam_writer_rows_written_total', 'Rows written to ClickHouse');
  const countFailed = metrics.counter('seam_writer_insert_failures_total', 'Failed ClickHouse inserts');
  // Rows stored over the last whole window, for a dashboard without a Prometheus rate().
  let window = { startedAt: performance.now(), rows: 0 };
  let lastRate = 0;
  const roll = () => {
    const now = performance.now();
    if (now - window.startedAt < rateWindowMs) return;
    lastRate = now - window.startedAt < 2 * rateWindowMs ? window.rows / ((now - window.startedAt) / 1000) : 0;
    window = { startedAt: now, rows: 0 };
  };
  metrics.gauge('seam_writer_rows_stored_per_second', `Rows stored in ClickHouse per second over the last ${rateWindowMs / 1000} s`, () => {
    roll();
    return Math.round(lastRate);
  });
  return async (table, format, body, rows, skip) => {
    const started = performance.now();
    try {
      await store.insertRows(table, columnsOf[table], body, format, skip);
    } catch (error) {
      countFailed({ table });
      onError(table, error as Error);
      return false;
    }
    observeLatency((performance.now() - started) / 1000, { table });
    observeBatch(rows, { table });
    countWritten({ table }, rows);
    roll();
    window.rows += rows;
    return true;
  };
}
