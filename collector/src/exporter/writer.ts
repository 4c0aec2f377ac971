export type Table = 'otel_traces' | 'otel_logs';

/** How a receiver's answer relates to storage; see `WriterOptions`. */
export type AckMode = 'wal' | 'store';

export interface WriterOptions {
  /** Rows per insert; a table's queue is flushed as soon as it holds this many. */
  maxBatchRows: number;
  /** Longest a row waits for companions before its insert is sent anyway. */
  flushIntervalMs: number;
  /** `store` only: rows accepted but not yet written, across tables; past it new requests are turned away. */
  maxQueueRows: number;
  /**
   * `store` only: an insert that has neither succeeded nor failed after this long is treated as ClickHouse
   * being slow: the batch goes to the log and its senders are answered. 0 sends every batch through the log.
   */
  spoolAfterMs: number;
  /** Disk the write-ahead log (`<dataDir>/spool/`) may use; past it receivers answer 503 with Retry-After. */
  spoolMaxBytes: number;
  /** `wal` only: past this age of the oldest row not yet in ClickHouse, receivers answer 503 and /readyz is not ready. */
  maxBacklogSeconds: number;
}

export const defaultWriterOptions: WriterOptions = {
  maxBatchRows: 20_000,
  flushIntervalMs: 200,
  maxQueueRows: 400_000,
  spoolAfterMs: 2_000,
  spoolMaxBytes: 1024 * 1024 * 1024,
  maxBacklogSeconds: 600,
};

/** What a sender is told to wait while the backlog not yet in ClickHouse is over its limits. */
export const backlogRetryAfterSeconds = 5;

/** The queue or the log is full: the receiver answers 503 / UNAVAILABLE with a retry hint. */
export class QueueFull extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'the write queue is full; retry later',
  ) {
    super(message);
  }
}

/** The rows could be neither stored nor logged: nothing in the batch was acknowledged, the sender retries. */
export class WriteFailed extends Error {}

/** What the receivers and the API see of the write path, whichever `AckMode` runs it. */
export interface Writer {
  /**
   * Takes `rows` rows of `table` as Native blocks; resolves once they will be stored whatever happens
   * next (logged and fsynced, or in ClickHouse).
   */
  write(table: Table, body: Buffer, rows: number): Promise<void>;
  /** Resolves once every row acknowledged before the call is in ClickHouse. */
  caughtUp(): Promise<void>;
  /** Rows acknowledged and not yet in ClickHouse. */
  readonly backlogRows: number;
  /** Why new data would be turned away now (the backlog is over a limit), or undefined. */
  overLimit(): string | undefined;
  /** Shutdown, first step: write whatever requests still in flight hand over without waiting for companions. */
  drain(): Promise<void>;
  close(): Promise<void>;
}
