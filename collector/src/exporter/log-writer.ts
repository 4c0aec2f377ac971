import type { RowFormat } from '../store/insert-format.ts';
import type { Store } from '../store/open.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { Alarm } from '../lib/alarm.ts';
import { createInsert, type Insert } from './insert.ts';
import { insertUnstored } from './unstored-rows.ts';
import { LogFull, type LoggedBatch, type WriteAheadLog } from './write-ahead-log.ts';
import { backlogRetryAfterSeconds, QueueFull, WriteFailed, type Table, type Writer, type WriterOptions } from './writer.ts';

/** How long shutdown keeps storing the log before leaving the rest for the next start. */
const shutdownStoreMs = 10_000;

/**
 * `SEAM_ACK=wal`, the default: a request is acknowledged once its rows are fsynced in the write-ahead
 * log (one group-committed fsync, not a flush timer), and one loop moves the log into ClickHouse in
 * order, oldest first, in inserts of up to `maxBatchRows` rows at the pace ClickHouse takes them. The
 * backlog is bounded by the log's size and the age of its oldest row; past either, new data is turned
 * away with a retry hint rather than queued without end.
 */
export class LogWriter implements Writer {
  private readonly insert: Insert;
  private readonly countSkipped;
  private closed = false;
  private draining = false;
  /** Set once shutdown has stored what it could: the loop ends. */
  private stopped = false;
  private storing: Promise<void> | undefined;
  private readonly alarm = new Alarm();
  private lastInsertAt = 0;
  private readonly waiters: { through: bigint; resolve: () => void }[] = [];

  constructor(
    private readonly store: Store,
    private readonly options: WriterOptions,
    metrics: Metrics,
    private readonly wal: WriteAheadLog,
    private readonly log: (line: string) => void = () => {},
  ) {
    let lastError = '';
    this.insert = createInsert(store, metrics, (table, error) => {
      // One line per new reason, not one per retry.
      if (error.message !== lastError) log(`ClickHouse did not take rows for ${table} (${error.message}); they stay in the write-ahead log and are retried`);
      lastError = error.message;
    });
    this.countSkipped = metrics.counter('seam_wal_rows_already_stored_total', 'Logged rows found already in ClickHouse when stored (after a crash or a failed insert), so not inserted again');
    this.storing = this.storeLoop();
  }

  get backlogRows(): number {
    return this.wal.pendingRows;
  }

  overLimit(): string | undefined {
    const oldest = this.wal.oldest();
    const ageSeconds = oldest ? (Date.now() - oldest.appendedAt) / 1000 : 0;
    if (ageSeconds > this.options.maxBacklogSeconds) {
      return `the oldest row not yet in ClickHouse was acknowledged ${Math.round(ageSeconds)} s ago (writer.maxBacklogSeconds ${this.options.maxBacklogSeconds}) because ClickHouse is not taking data fast enough`;
    }
    return this.wal.full;
  }

  async write(table: Table, body: Buffer, rows: number): Promise<void> {
    if (rows === 0) return;
    if (this.closed) throw new WriteFailed('the collector is shutting down');
    const over = this.overLimit();
    if (over) throw new QueueFull(backlogRetryAfterSeconds, `${over}; retry later`);
    try {
      await this.wal.append(table, body, rows);
    } catch (error) {
      if (error instanceof LogFull) throw new QueueFull(backlogRetryAfterSeconds, error.message);
      throw new WriteFailed(`the write-ahead log could not take ${rows} rows: ${(error as Error).message}`);
    }
    this.alarm.wake();
  }

  caughtUp(): Promise<void> {
    const through = this.wal.appendedThrough;
    if (this.storedThrough(through)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ through, resolve }));
  }

  async drain(): Promise<void> {
    this.draining = true;
    this.alarm.wake();
  }

  /** Stops taking rows and stores what the log holds, for at most `shutdownStoreMs`; the rest waits for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.draining = true;
    this.alarm.wake();
    const stored = await Promise.race([this.caughtUp().then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), shutdownStoreMs).unref())]);
    if (!stored) this.log(`write-ahead log: ${this.wal.pendingRows} rows not yet in ClickHouse stay in the log and are stored at the next start`);
    this.stopped = true;
    this.alarm.wake();
    // An insert stuck on an unresponsive server must not hold shutdown; its batches stay in the log.
    await Promise.race([this.storing, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    await this.wal.close();
  }

  private storedThrough(id: bigint): boolean {
    const oldest = this.wal.oldest();
    return !oldest || oldest.id > id;
  }

  private async storeLoop(): Promise<void> {
    let backoffMs = 100;
    while (!this.stopped) {
      let run = this.wal.oldestRun(this.options.maxBatchRows);
      if (run.length === 0) {
        await this.alarm.sleep(60_000);
        continue;
      }
      // Fewer, larger inserts: a run short of a full batch waits out the flush interval for companions.
      const wait = this.lastInsertAt + this.options.flushIntervalMs - performance.now();
      if (wait > 0 && !this.draining && rowsOf(run) < this.options.maxBatchRows) {
        await this.alarm.sleep(wait);
        run = this.wal.oldestRun(this.options.maxBatchRows);
      }
      this.lastInsertAt = performance.now();
      if (await this.storeRun(run)) {
        backoffMs = 100;
        continue;
      }
      await this.alarm.sleep(backoffMs);
      backoffMs = Math.min(backoffMs * 2, 5_000);
    }
  }

  /** Inserts one run of batches and commits them; false if ClickHouse did not take it (the run stays logged). */
  private async storeRun(run: LoggedBatch[]): Promise<boolean> {
    // Checksummed records hold only what this writer logged, so the table is one of ours.
    const table = run[0]!.table as Table;
    const format = run[0]!.format;
    try {
      if (run.some((batch) => batch.mayBeStored)) {
        for (const batch of run) {
          if (batch.mayBeStored) this.countSkipped({ table }, await insertUnstored(this.store, this.insert, table, format, await this.wal.read(batch)));
          else if (!(await this.insert(table, format, await this.wal.read(batch), batch.rows))) throw new Error('ClickHouse did not take the rows');
          await this.wal.commit([batch]);
        }
      } else {
        const bodies = await Promise.all(run.map((batch) => this.wal.read(batch)));
        if (!(await this.insert(table, format, concatRows(format, bodies), rowsOf(run)))) {
          // A failed insert may still have landed (a connection lost after the server committed it).
          for (const batch of run) batch.mayBeStored = true;
          return false;
        }
        await this.wal.commit(run);
      }
    } catch (error) {
      this.log(`write-ahead log: storing ${run.length} batches for ${table} failed (${(error as Error).message}); retrying`);
      for (const batch of run) batch.mayBeStored = true;
      return false;
    }
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]!;
      if (!this.storedThrough(waiter.through)) continue;
      this.waiters.splice(i, 1);
      waiter.resolve();
    }
    return true;
  }
}

function rowsOf(run: LoggedBatch[]): number {
  return run.reduce((sum, batch) => sum + batch.rows, 0);
}

/** Native blocks follow one another as they are; JSON rows need a line break between batches. */
function concatRows(format: RowFormat, bodies: Buffer[]): Buffer {
  if (format === 'Native') return Buffer.concat(bodies);
  const newline = Buffer.from('\n');
  return Buffer.concat(bodies.flatMap((body, i) => (i === 0 ? [body] : [newline, body])));
}
