import type { Store } from '../store/open.ts';
import type { Metrics } from '../telemetry/metrics.ts';

export interface WriterOptions {
  /** Rows per insert; a table's queue is flushed as soon as it holds this many. */
  maxBatchRows: number;
  /** Longest a row waits for companions before its batch is flushed anyway. */
  flushIntervalMs: number;
  /** Rows accepted but not yet written, across tables; past it new requests are turned away. */
  maxQueueRows: number;
}

export const defaultWriterOptions: WriterOptions = { maxBatchRows: 20_000, flushIntervalMs: 200, maxQueueRows: 400_000 };

export type Table = 'otel_traces' | 'otel_logs';

/** The queue is full: the receiver answers 503 / RESOURCE_EXHAUSTED with a retry hint. */
export class QueueFull extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('the write queue is full; retry later');
  }
}

/** ClickHouse rejected or could not take a batch: nothing in it was acknowledged, the sender retries. */
export class WriteFailed extends Error {}

interface Pending {
  rows: string[];
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Collects rows from every request into size- and time-bounded batches, one insert in flight per table.
 * `write` resolves only once the insert holding those rows has succeeded, so a receiver's 200 means
 * the rows are in ClickHouse.
 */
export class BatchWriter {
  private readonly queues = new Map<Table, { pending: Pending[]; rows: number; timer?: NodeJS.Timeout; inflight?: Promise<void> }>();
  private queued = 0;
  private closed = false;
  private readonly observeBatch;
  private readonly observeLatency;
  private readonly countWritten;
  private readonly countFailed;

  constructor(
    private readonly store: Store,
    private readonly options: WriterOptions,
    metrics: Metrics,
  ) {
    this.observeBatch = metrics.histogram('seam_writer_batch_rows', 'Rows per ClickHouse insert', [10, 100, 1000, 5000, 20000, 100000]);
    this.observeLatency = metrics.histogram('seam_writer_insert_seconds', 'ClickHouse insert latency', [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    this.countWritten = metrics.counter('seam_writer_rows_written_total', 'Rows written to ClickHouse');
    this.countFailed = metrics.counter('seam_writer_insert_failures_total', 'Failed ClickHouse inserts');
    metrics.gauge('seam_writer_queue_rows', 'Rows accepted and waiting to be written', () => this.queued);
  }

  get queueDepth(): number {
    return this.queued;
  }

  write(table: Table, rows: string[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new WriteFailed('the collector is shutting down'));
    // A request larger than the whole queue is still taken when the queue is empty, or it could never land.
    if (this.queued > 0 && this.queued + rows.length > this.options.maxQueueRows) {
      return Promise.reject(new QueueFull(Math.max(1, Math.ceil(this.options.flushIntervalMs / 1000))));
    }
    const queue = this.queueFor(table);
    this.queued += rows.length;
    const done = new Promise<void>((resolve, reject) => queue.pending.push({ rows, resolve, reject }));
    queue.rows += rows.length;
    if (queue.rows >= this.options.maxBatchRows) this.flushTable(table);
    else queue.timer ??= setTimeout(() => this.flushTable(table), this.options.flushIntervalMs);
    return done;
  }

  /** Writes everything queued so far and waits for it. */
  async flush(): Promise<void> {
    for (const table of this.queues.keys()) this.flushTable(table);
    await Promise.all([...this.queues.values()].map((q) => q.inflight?.catch(() => {})));
    if ([...this.queues.values()].some((q) => q.rows > 0)) await this.flush();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private queueFor(table: Table) {
    let queue = this.queues.get(table);
    if (!queue) {
      queue = { pending: [], rows: 0 };
      this.queues.set(table, queue);
    }
    return queue;
  }

  private flushTable(table: Table): void {
    const queue = this.queueFor(table);
    if (queue.timer) {
      clearTimeout(queue.timer);
      queue.timer = undefined;
    }
    if (queue.inflight || queue.pending.length === 0) return;
    const batch: Pending[] = [];
    let rows = 0;
    while (queue.pending.length > 0 && (rows === 0 || rows + queue.pending[0]!.rows.length <= this.options.maxBatchRows)) {
      const next = queue.pending.shift()!;
      batch.push(next);
      rows += next.rows.length;
    }
    queue.rows -= rows;
    queue.inflight = this.insert(table, batch, rows).finally(() => {
      queue.inflight = undefined;
      this.queued -= rows;
      if (queue.rows >= this.options.maxBatchRows || (this.closed && queue.rows > 0)) this.flushTable(table);
      else if (queue.rows > 0) queue.timer ??= setTimeout(() => this.flushTable(table), this.options.flushIntervalMs);
    });
  }

  private async insert(table: Table, batch: Pending[], rows: number): Promise<void> {
    const started = performance.now();
    const body = Buffer.from(batch.map((p) => p.rows.join('\n')).join('\n'));
    try {
      await this.store.insertJsonRows(table, body);
    } catch (error) {
      this.countFailed({ table });
      const failure = new WriteFailed(`writing ${rows} rows to ${table} failed: ${(error as Error).message}`);
      for (const pending of batch) pending.reject(failure);
      return;
    }
    this.observeLatency((performance.now() - started) / 1000, { table });
    this.observeBatch(rows, { table });
    this.countWritten({ table }, rows);
    for (const pending of batch) pending.resolve();
  }
}
