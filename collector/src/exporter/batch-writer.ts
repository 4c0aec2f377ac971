import type { Store } from '../store/open.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { Alarm } from '../lib/alarm.ts';
import { createInsert, type Insert } from './insert.ts';
import { insertUnstored } from './unstored-rows.ts';
import { LogFull, type WriteAheadLog } from './write-ahead-log.ts';
import { backlogRetryAfterSeconds, QueueFull, WriteFailed, type Table, type Writer, type WriterOptions } from './writer.ts';

interface Pending {
  /** Native blocks. */
  body: Buffer;
  rows: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * `SEAM_ACK=store`, for deployments without a local disk to rely on: collects rows from every request
 * into size- and time-bounded batches, one insert in flight per table. `write` resolves once the rows
 * are in ClickHouse, or fsynced in the write-ahead log when ClickHouse is slow or away: a receiver's 200
 * means the rows will be stored. While anything is logged, new batches are logged behind it and a
 * replayer inserts them oldest first, skipping rows ClickHouse already has, so replay after a crash
 * stores each row once.
 */
export class BatchWriter implements Writer {
  /** Per table: rows waiting, since when the oldest of them has waited, the flush timer and the insert in flight. */
  private readonly queues = new Map<Table, { pending: Pending[]; rows: number; oldestAt: number; timer?: NodeJS.Timeout; inflight?: Promise<void> }>();
  private queued = 0;
  private closed = false;
  /** Set when shutdown begins: rows are written as they arrive, so requests still in flight finish. */
  private draining = false;
  private replaying: Promise<void> | undefined;
  private readonly alarm = new Alarm();
  private readonly drainWaiters: (() => void)[] = [];
  private readonly insert: Insert;
  private readonly countSpooled;
  private readonly countSkipped;

  constructor(
    private readonly store: Store,
    private readonly options: WriterOptions,
    metrics: Metrics,
    private readonly spool: WriteAheadLog,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.insert = createInsert(store, metrics);
    this.countSpooled = metrics.counter('seam_spool_rows_total', 'Rows written to the disk spool because ClickHouse was slow or down');
    this.countSkipped = metrics.counter('seam_wal_rows_already_stored_total', 'Logged rows found already in ClickHouse when stored (after a crash or a failed insert), so not inserted again');
    metrics.gauge('seam_writer_queue_rows', 'Rows accepted and waiting to be written', () => this.queued);
    if (spool.pendingBatches > 0) this.startReplay();
  }

  get backlogRows(): number {
    return this.queued + this.spool.pendingRows;
  }

  overLimit(): string | undefined {
    return this.spool.full ?? (this.queued >= this.options.maxQueueRows ? `the write queue holds ${this.queued} rows (writer.maxQueueRows ${this.options.maxQueueRows})` : undefined);
  }

  write(table: Table, body: Buffer, rows: number): Promise<void> {
    if (rows === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new WriteFailed('the collector is shutting down'));
    // A request larger than the whole queue is still taken when the queue is empty, or it could never land.
    if (this.queued > 0 && this.queued + rows > this.options.maxQueueRows) {
      return Promise.reject(new QueueFull(Math.max(1, Math.ceil(this.options.flushIntervalMs / 1000))));
    }
    const queue = this.queueFor(table);
    this.queued += rows;
    const done = new Promise<void>((resolve, reject) => queue.pending.push({ body, rows, resolve, reject }));
    if (queue.rows === 0) queue.oldestAt = performance.now();
    queue.rows += rows;
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

  /** Rows acknowledged are in ClickHouse or in the log, so this waits for the log to empty. */
  caughtUp(): Promise<void> {
    if (this.spool.pendingBatches === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

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
    this.alarm.wake();
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
    while (queue.pending.length > 0 && (rows === 0 || rows + queue.pending[0]!.rows <= this.options.maxBatchRows)) {
      const next = queue.pending.shift()!;
      batch.push(next);
      rows += next.rows;
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
    // Native blocks follow one another as they are.
    const body = Buffer.concat(batch.map((pending) => pending.body));
    // Behind a backlog the batch must wait its turn, or replay would not be in order.
    if (this.options.spoolAfterMs === 0 || this.spool.pendingBatches > 0) return this.toSpool(table, body, rows, batch);
    const insert = this.insert(table, 'Native', body, rows);
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
        error instanceof LogFull
          ? new QueueFull(backlogRetryAfterSeconds, error.message)
          : new WriteFailed(`ClickHouse could not take ${rows} rows for ${table} and the disk spool failed too: ${(error as Error).message}`);
      // The spool refused it, but an insert still running may yet land; the sender's retry then duplicates, never loses.
      for (const pending of batch) pending.reject(failure);
      return;
    }
    this.countSpooled({ table }, rows);
    for (const pending of batch) pending.resolve();
    this.startReplay();
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
          // Checksummed records hold only what this writer logged, so the table is one of ours.
          const table = batch.table as Table;
          // Every logged batch here met a failed or slow insert first, which may have landed.
          this.countSkipped({ table }, await insertUnstored(this.store, this.insert, table, batch.format, body));
        }
        await this.spool.commit([batch]);
        backoffMs = 100;
      } catch {
        await this.alarm.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5_000);
      }
    }
    if (this.spool.pendingBatches === 0) {
      this.log('disk spool replayed: ClickHouse has every acknowledged row');
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }
}
