import { createHash } from 'node:crypto';
import type { Store } from '../store/open.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { SpoolFull, type Spool, type SpooledBatch } from './spool.ts';
import { logColumns, rowValues, spanColumns } from './rows.ts';

export interface WriterOptions {
  /** Rows per insert; a table's queue is flushed as soon as it holds this many. */
  maxBatchRows: number;
  /** Longest a row waits for companions before its batch is flushed anyway. */
  flushIntervalMs: number;
  /** Rows accepted but not yet written, across tables; past it new requests are turned away. */
  maxQueueRows: number;
  /**
   * An insert that has neither succeeded nor failed after this long is treated as ClickHouse being slow:
   * the batch goes to the disk spool and its senders are answered. 0 sends every batch through the spool.
   */
  spoolAfterMs: number;
  /** Disk the spool (`<dataDir>/spool/`) may use; past it receivers answer 503 with Retry-After. */
  spoolMaxBytes: number;
}

export const defaultWriterOptions: WriterOptions = {
  maxBatchRows: 20_000,
  flushIntervalMs: 200,
  maxQueueRows: 400_000,
  spoolAfterMs: 2_000,
  spoolMaxBytes: 1024 * 1024 * 1024,
};

export type Table = 'otel_traces' | 'otel_logs';

/** The queue (or the disk spool behind it) is full: the receiver answers 503 / UNAVAILABLE with a retry hint. */
export class QueueFull extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'the write queue is full; retry later',
  ) {
    super(message);
  }
}

/** The rows could be neither inserted nor spooled: nothing in the batch was acknowledged, the sender retries. */
export class WriteFailed extends Error {}

interface Pending {
  rows: string[];
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * How replay tells which rows of a spooled batch ClickHouse already holds: a batch may have landed
 * before the process died and before its commit record was written. Spans are identified by
 * (TraceId, SpanId); log records, which have no id, by trace, span, time and body.
 */
const identity: Record<Table, { sql: string; of(row: Record<string, unknown>): string }> = {
  otel_traces: { sql: "concat(TraceId, ' ', SpanId)", of: (row) => `${String(row.TraceId)} ${String(row.SpanId)}` },
  otel_logs: {
    sql: "concat(TraceId, ' ', SpanId, ' ', toString(toUnixTimestamp64Nano(Timestamp)), ' ', lower(hex(MD5(Body))))",
    of: (row) => `${String(row.TraceId)} ${String(row.SpanId)} ${String(row.Timestamp)} ${createHash('md5').update(String(row.Body)).digest('hex')}`,
  },
};

const columnsOf: Record<Table, readonly string[]> = { otel_traces: spanColumns, otel_logs: logColumns };

const int64Max = 2n ** 63n - 1n;
const traceIdsPerCheck = 1000;

/**
 * Collects rows from every request into size- and time-bounded batches, one insert in flight per table.
 * `write` resolves once the rows are in ClickHouse or fsynced in the disk spool: a receiver's 200 means
 * the rows will be stored. While anything is spooled, new batches are spooled behind it and a replayer
 * inserts them oldest first, skipping rows ClickHouse already has, so replay after a crash stores each
 * row once.
 */
export class BatchWriter {
  /** Per table: rows waiting, since when the oldest of them has waited, the flush timer and the insert in flight. */
  private readonly queues = new Map<Table, { pending: Pending[]; rows: number; oldestAt: number; timer?: NodeJS.Timeout; inflight?: Promise<void> }>();
  private queued = 0;
  private closed = false;
  /** Set when shutdown begins: rows are written as they arrive, so requests still in flight finish. */
  private draining = false;
  private replaying: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly drainWaiters: (() => void)[] = [];
  private readonly observeBatch;
  private readonly observeLatency;
  private readonly countWritten;
  private readonly countFailed;
  private readonly countSpooled;
  private readonly countSkipped;

  constructor(
    private readonly store: Store,
    private readonly options: WriterOptions,
    metrics: Metrics,
    private readonly spool: Spool,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.observeBatch = metrics.histogram('seam_writer_batch_rows', 'Rows per ClickHouse insert', [10, 100, 1000, 5000, 20000, 100000]);
    this.observeLatency = metrics.histogram('seam_writer_insert_seconds', 'ClickHouse insert latency', [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    this.countWritten = metrics.counter('seam_writer_rows_written_total', 'Rows written to ClickHouse');
    this.countFailed = metrics.counter('seam_writer_insert_failures_total', 'Failed ClickHouse inserts');
    this.countSpooled = metrics.counter('seam_spool_rows_total', 'Rows written to the disk spool because ClickHouse was slow or down');
    this.countSkipped = metrics.counter('seam_spool_rows_already_stored_total', 'Spooled rows found already in ClickHouse at replay, so not inserted again');
    metrics.gauge('seam_writer_queue_rows', 'Rows accepted and waiting to be written', () => this.queued);
    metrics.gauge('seam_spool_bytes', 'Bytes of the disk spool', () => spool.bytes);
    metrics.gauge('seam_spool_batches', 'Batches in the disk spool waiting for ClickHouse', () => spool.pendingBatches);
    if (spool.pendingBatches > 0) this.startReplay();
  }

  get queueDepth(): number {
    return this.queued;
  }

  /** Rows in the disk spool that ClickHouse does not have yet. */
  get spooledRows(): number {
    return this.spool.pendingRows;
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
    if (queue.rows === 0) queue.oldestAt = performance.now();
    queue.rows += rows.length;
    if (queue.rows >= this.options.maxBatchRows || this.draining) this.flushTable(table);
    else queue.timer ??= setTimeout(() => this.flushTable(table), this.options.flushIntervalMs);
    return done;
  }

  /** Writes (or spools) everything queued so far and waits for it. */
  async flush(): Promise<void> {
    for (const table of this.queues.keys()) this.flushTable(table);
    await Promise.all([...this.queues.values()].map((q) => q.inflight?.catch(() => {})));
    if ([...this.queues.values()].some((q) => q.rows > 0)) await this.flush();
  }

  /** Resolves once the spool is empty: everything acknowledged is in ClickHouse. */
  drained(): Promise<void> {
    if (this.spool.pendingBatches === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Flushes the queues (into the spool if ClickHouse is away) and stops replay; the spool is kept for the next start. */
  /**
   * Shutdown, first step: keep taking rows from requests already in flight but write them at once,
   * without waiting for the flush interval, while the listeners stop accepting new ones.
   */
  drain(): Promise<void> {
    this.draining = true;
    return this.flush();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    this.wake?.();
    // A replay insert stuck on an unresponsive server must not hold shutdown; its batch stays spooled.
    await Promise.race([this.replaying, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    await this.spool.close();
  }

  private queueFor(table: Table) {
    let queue = this.queues.get(table);
    if (!queue) {
      queue = { pending: [], rows: 0, oldestAt: 0 };
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
    queue.inflight = this.deliver(table, batch, rows).finally(() => {
      queue.inflight = undefined;
      this.queued -= rows;
      if (queue.rows >= this.options.maxBatchRows || ((this.closed || this.draining) && queue.rows > 0)) this.flushTable(table);
      // Rows that arrived during the insert have been waiting all along: count that against the interval.
      else if (queue.rows > 0) queue.timer ??= setTimeout(() => this.flushTable(table), Math.max(0, this.options.flushIntervalMs - (performance.now() - queue.oldestAt)));
    });
  }

  /** Inserts the batch, or spools it when ClickHouse fails, is slow, or already has a backlog waiting. */
  private async deliver(table: Table, batch: Pending[], rows: number): Promise<void> {
    const body = Buffer.from(batch.map((p) => p.rows.join('\n')).join('\n'));
    // Behind a backlog the batch must wait its turn, or replay would not be in order.
    if (this.options.spoolAfterMs === 0 || this.spool.pendingBatches > 0) return this.toSpool(table, body, rows, batch);
    const insert = this.insert(table, body, rows);
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<'slow'>((resolve) => (timer = setTimeout(() => resolve('slow'), this.options.spoolAfterMs)));
    const outcome = await Promise.race([insert, slow]);
    clearTimeout(timer);
    if (outcome === true) {
      for (const pending of batch) pending.resolve();
      return;
    }
    if (outcome === 'slow') this.log(`ClickHouse has not answered an insert into ${table} within ${this.options.spoolAfterMs} ms; spooling to disk`);
    return this.toSpool(table, body, rows, batch, outcome === 'slow' ? insert : undefined);
  }

  private async toSpool(table: Table, body: Buffer, rows: number, batch: Pending[], settling?: Promise<boolean>): Promise<void> {
    try {
      await this.spool.append(table, body, rows, settling);
    } catch (error) {
      const failure =
        error instanceof SpoolFull
          ? new QueueFull(5, error.message)
          : new WriteFailed(`ClickHouse could not take ${rows} rows for ${table} and the disk spool failed too: ${(error as Error).message}`);
      // The spool refused it, but an insert still running may yet land; the sender's retry then duplicates, never loses.
      for (const pending of batch) pending.reject(failure);
      return;
    }
    this.countSpooled({ table }, rows);
    for (const pending of batch) pending.resolve();
    this.startReplay();
  }

  /** Resolves true once inserted, false if ClickHouse refused or failed; never rejects. */
  private async insert(table: Table, body: Buffer, rows: number): Promise<boolean> {
    const started = performance.now();
    try {
      await this.store.insertRows(table, columnsOf[table], body);
    } catch {
      this.countFailed({ table });
      return false;
    }
    this.observeLatency((performance.now() - started) / 1000, { table });
    this.observeBatch(rows, { table });
    this.countWritten({ table }, rows);
    return true;
  }

  private startReplay(): void {
    this.replaying ??= this.replay().finally(() => {
      this.replaying = undefined;
      if (this.spool.pendingBatches > 0 && !this.closed) this.startReplay();
    });
  }

  /** Inserts spooled batches oldest first until the spool is empty, backing off while ClickHouse is away. */
  private async replay(): Promise<void> {
    let backoffMs = 100;
    for (let batch = this.spool.oldest(); batch && !this.closed; batch = this.spool.oldest()) {
      try {
        const landed = batch.settling ? await batch.settling : false;
        batch.settling = undefined;
        if (!landed) {
          const body = await this.spool.read(batch);
          // Checksummed records hold only what this writer spooled, so the table is one of ours.
          const table = batch.table as Table;
          const fresh = await this.notYetStored(table, body);
          this.countSkipped({ table }, batch.rows - fresh.length);
          if (fresh.length > 0 && !(await this.insert(table, Buffer.from(fresh.join('\n')), fresh.length))) {
            throw new Error(`ClickHouse did not take spooled batch ${batch.id}`);
          }
        }
        await this.spool.commit(batch);
        backoffMs = 100;
      } catch {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoffMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
        backoffMs = Math.min(backoffMs * 2, 5_000);
      }
    }
    if (this.spool.pendingBatches === 0) {
      this.log('disk spool replayed: ClickHouse has every acknowledged row');
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }

  /** The lines of `body` whose rows ClickHouse does not hold yet. */
  private async notYetStored(table: Table, body: Buffer): Promise<string[]> {
    const lines = body.toString('utf8').split('\n');
    const rows = lines.map((line) => rowValues(columnsOf[table], line));
    const { sql, of } = identity[table];
    let lo = int64Max;
    let hi = 0n;
    for (const row of rows) {
      const ns = BigInt(String(row.Timestamp ?? '0'));
      if (ns < lo) lo = ns;
      if (ns > hi) hi = ns;
    }
    if (hi > int64Max) hi = int64Max;
    const traceIds = [...new Set(rows.map((row) => String(row.TraceId)))];
    const stored = new Set<string>();
    for (let i = 0; i < traceIds.length; i += traceIdsPerCheck) {
      const result = await this.store.client.query({
        query: `SELECT ${sql} AS k FROM ${table} WHERE TraceId IN {ids:Array(String)}
                AND Timestamp BETWEEN fromUnixTimestamp64Nano({lo:Int64}) AND fromUnixTimestamp64Nano({hi:Int64})`,
        query_params: { ids: traceIds.slice(i, i + traceIdsPerCheck), lo: lo.toString(), hi: hi.toString() },
        format: 'JSONEachRow',
      });
      for (const { k } of await result.json<{ k: string }>()) stored.add(k);
    }
    if (stored.size === 0) return lines;
    return lines.filter((_, i) => !stored.has(of(rows[i]!)));
  }
}
