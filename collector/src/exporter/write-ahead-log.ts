import { mkdir, open, readdir, readFile, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { RowFormat } from '../store/insert-format.ts';

export interface WriteAheadLogOptions {
  /** Bytes the segment files may take together; past it `append` throws `LogFull`. */
  maxBytes: number;
  /** A segment is closed and a new one started once it holds this many bytes. */
  segmentBytes: number;
  /**
   * Bodies of batches appended by this process stay in memory up to this many bytes, so storing them
   * does not read the disk; past it they are read back from their segment.
   */
  residentBytes: number;
  /** Seconds one group commit's fsync took; for the metrics. */
  observeFsync?: (seconds: number) => void;
}

/** The log cannot take another batch. */
export class LogFull extends Error {
  constructor(bytes: number, maxBytes: number) {
    super(`${fullMessage(bytes, maxBytes)}; retry later`);
  }
}

function fullMessage(bytes: number, maxBytes: number): string {
  return `the write-ahead log is full (${bytes} of ${maxBytes} bytes, writer.spoolMaxBytes) because ClickHouse is not taking data fast enough`;
}

/** One batch in the log, waiting to be stored in ClickHouse. */
export interface LoggedBatch {
  readonly id: bigint;
  readonly table: string;
  readonly rows: number;
  /** Native blocks; JSON arrays in logs written by Seam 0.1. */
  readonly format: RowFormat;
  readonly segment: Segment;
  /** Where the body starts in the segment file, and its length. */
  readonly offset: number;
  readonly length: number;
  /** When the batch was appended (ms since the epoch); the age of the oldest unstored row. */
  readonly appendedAt: number;
  /** The body while it is held in memory (see `residentBytes`). */
  body?: Buffer | undefined;
  /**
   * ClickHouse may already hold some of these rows: the batch was left by an earlier run, or an insert of
   * it failed in a way that does not say whether it landed. Storing it must then skip what is there.
   */
  mayBeStored: boolean;
  /**
   * An insert of this batch that was still running when the batch was logged (ClickHouse was slow).
   * It resolves true if it landed; whoever stores the batch waits for it so the two never race.
   */
  settling?: Promise<boolean> | undefined;
}

interface Segment {
  readonly path: string;
  bytes: number;
  pending: number;
  handle?: FileHandle | undefined;
}

interface Waiting {
  table: Buffer;
  body: Buffer;
  rows: number;
  /** Bytes its record takes in the log, reserved from `maxBytes` until it is written. */
  recordBytes: number;
  settling: Promise<boolean> | undefined;
  resolve: (batch: LoggedBatch) => void;
  reject: (error: Error) => void;
}

const LEGACY_BATCH = 1;
const COMMIT = 2;
const BATCH = 3;
const HEADER = 8; // u32 payload length, u32 crc32 of the payload
const BATCH_HEAD = 1 + 8 + 4 + 8 + 1; // kind, id, rows, appendedAt, table length

/**
 * An append-only, crash-safe queue of row batches in `<dataDir>/spool/`. Each record is length + CRC +
 * payload. Appends are group-committed: every batch that arrives while one fsync runs is written and
 * fsynced by the next one, so an append costs one fsync however many requests arrive together, and a
 * batch whose `append` resolved survives `kill -9`. Commit records mark batches that reached ClickHouse;
 * they are not fsynced, since a batch left uncommitted by a crash is stored with `mayBeStored` set, which
 * skips rows already there. A segment whose batches are all committed is deleted. A torn record at the
 * tail (a crash mid-write) was never acknowledged and is cut off at start-up.
 */
export class WriteAheadLog {
  private readonly queue: LoggedBatch[] = [];
  private readonly byId = new Map<bigint, LoggedBatch>();
  private segments: Segment[] = [];
  private active: Segment | undefined;
  private nextId = 1n;
  private nextSegment = 1;
  private totalBytes = 0;
  /** Bytes of appends accepted but not yet written, counted against `maxBytes` so a burst cannot overshoot it. */
  private reservedBytes = 0;
  private resident = 0;
  private queuedRows = 0;
  private waiting: Waiting[] = [];
  private committing = false;
  // Group commits, commit records and segment deletion touch the same files; one chain keeps them in order.
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly options: WriteAheadLogOptions,
  ) {}

  static async open(dir: string, options: WriteAheadLogOptions): Promise<{ log: WriteAheadLog; recovered: { batches: number; rows: number; truncatedBytes: number } }> {
    await mkdir(dir, { recursive: true });
    const log = new WriteAheadLog(dir, options);
    let truncatedBytes = 0;
    const names = (await readdir(dir)).filter((name) => /^\d{12}\.seg$/.test(name)).sort();
    for (const name of names) {
      const segment: Segment = { path: join(dir, name), bytes: 0, pending: 0 };
      truncatedBytes += await log.load(segment);
      log.nextSegment = Number(name.slice(0, 12)) + 1;
      if (segment.pending === 0) await unlink(segment.path);
      else {
        log.segments.push(segment);
        log.totalBytes += segment.bytes;
      }
    }
    return { log, recovered: { batches: log.queue.length, rows: log.pendingRows, truncatedBytes } };
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Why writers should stop taking data: within 5 % of `maxBytes`, before an append would fail. */
  get full(): string | undefined {
    if (this.totalBytes + this.reservedBytes < 0.95 * this.options.maxBytes) return undefined;
    return fullMessage(this.totalBytes, this.options.maxBytes);
  }

  get pendingBatches(): number {
    return this.queue.length;
  }

  get pendingRows(): number {
    return this.queuedRows;
  }

  /** The id the next appended batch will get: every batch below it has been handed to `append`. */
  get appendedThrough(): bigint {
    return this.nextId - 1n;
  }

  oldest(): LoggedBatch | undefined {
    return this.queue[0];
  }

  /** The oldest batches of one table, in order, up to `maxRows` rows (at least one batch). */
  oldestRun(maxRows: number): LoggedBatch[] {
    const first = this.queue[0];
    if (!first) return [];
    const run = [first];
    let rows = first.rows;
    for (let i = 1; i < this.queue.length; i++) {
      const next = this.queue[i]!;
      if (next.table !== first.table || next.format !== first.format || rows + next.rows > maxRows) break;
      run.push(next);
      rows += next.rows;
    }
    return run;
  }

  /** Appends a batch; resolves once it is fsynced, together with every batch appended meanwhile. */
  append(table: string, body: Buffer, rows: number, settling?: Promise<boolean>): Promise<LoggedBatch> {
    const tableBytes = Buffer.from(table);
    const recordBytes = HEADER + BATCH_HEAD + tableBytes.length + body.length;
    if (this.totalBytes + this.reservedBytes + recordBytes > this.options.maxBytes) return Promise.reject(new LogFull(this.totalBytes, this.options.maxBytes));
    this.reservedBytes += recordBytes;
    const appended = new Promise<LoggedBatch>((resolve, reject) => this.waiting.push({ table: tableBytes, body, rows, recordBytes, settling, resolve, reject }));
    this.commitWaiting();
    return appended;
  }

  read(batch: LoggedBatch): Promise<Buffer> {
    if (batch.body) return Promise.resolve(batch.body);
    return this.serial(async () => {
      const handle = batch.segment.handle ?? (await open(batch.segment.path, 'r'));
      try {
        const body = Buffer.alloc(batch.length);
        await handle.read(body, 0, batch.length, batch.offset);
        return body;
      } finally {
        if (handle !== batch.segment.handle) await handle.close();
      }
    });
  }

  /** Marks batches as stored in ClickHouse; deletes each segment once nothing in it is pending. */
  commit(batches: LoggedBatch[]): Promise<void> {
    return this.serial(async () => {
      const records = new Map<Segment, Buffer[]>();
      for (const batch of batches) {
        if (!this.byId.delete(batch.id)) continue;
        this.queue.splice(this.queue.indexOf(batch), 1);
        this.queuedRows -= batch.rows;
        this.release(batch);
        batch.segment.pending--;
        const payload = Buffer.alloc(9);
        payload.writeUInt8(COMMIT, 0);
        payload.writeBigUInt64BE(batch.id, 1);
        records.set(batch.segment, [...(records.get(batch.segment) ?? []), ...frame([payload])]);
      }
      for (const [segment, frames] of records) {
        if (segment.pending > 0) {
          await this.write(segment, frames);
          continue;
        }
        if (segment === this.active) this.active = undefined;
        await segment.handle?.close();
        segment.handle = undefined;
        await unlink(segment.path);
        this.segments = this.segments.filter((s) => s !== segment);
        this.totalBytes -= segment.bytes;
      }
    });
  }

  close(): Promise<void> {
    return this.serial(async () => {
      for (const segment of this.segments) {
        await segment.handle?.close();
        segment.handle = undefined;
      }
      this.active = undefined;
    });
  }

  private commitWaiting(): void {
    if (this.committing || this.waiting.length === 0) return;
    this.committing = true;
    const group = this.waiting;
    this.waiting = [];
    void this.serial(() => this.writeGroup(group))
      .then(
        (batches) => group.forEach((waiting, i) => waiting.resolve(batches[i]!)),
        (error: Error) => group.forEach((waiting) => waiting.reject(error)),
      )
      .finally(() => {
        this.committing = false;
        this.commitWaiting();
      });
  }

  private async writeGroup(group: Waiting[]): Promise<LoggedBatch[]> {
    const segment = await this.writable();
    const frames: Buffer[] = [];
    const batches: LoggedBatch[] = [];
    const appendedAt = Date.now();
    let at = segment.bytes;
    for (const waiting of group) {
      const id = this.nextId++;
      const head = Buffer.alloc(BATCH_HEAD);
      head.writeUInt8(BATCH, 0);
      head.writeBigUInt64BE(id, 1);
      head.writeUInt32BE(waiting.rows, 9);
      head.writeBigUInt64BE(BigInt(appendedAt), 13);
      head.writeUInt8(waiting.table.length, 21);
      frames.push(...frame([head, waiting.table, waiting.body]));
      const offset = at + HEADER + BATCH_HEAD + waiting.table.length;
      batches.push({ id, table: waiting.table.toString(), rows: waiting.rows, format: 'Native', segment, offset, length: waiting.body.length, appendedAt, mayBeStored: false, settling: waiting.settling });
      at += waiting.recordBytes;
    }
    try {
      await this.write(segment, frames);
      const started = performance.now();
      await segment.handle!.datasync();
      this.options.observeFsync?.((performance.now() - started) / 1000);
    } finally {
      for (const waiting of group) this.reservedBytes -= waiting.recordBytes;
    }
    for (const [i, batch] of batches.entries()) {
      const body = group[i]!.body;
      if (this.resident + body.length <= this.options.residentBytes) {
        batch.body = body;
        this.resident += body.length;
      }
      segment.pending++;
      this.queue.push(batch);
      this.byId.set(batch.id, batch);
      this.queuedRows += batch.rows;
    }
    return batches;
  }

  private release(batch: LoggedBatch): void {
    if (!batch.body) return;
    this.resident -= batch.body.length;
    batch.body = undefined;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work);
    this.chain = next.catch(() => {});
    return next;
  }

  private async writable(): Promise<Segment> {
    if (this.active && this.active.bytes < this.options.segmentBytes) return this.active;
    if (this.active) {
      await this.active.handle?.close();
      this.active.handle = undefined;
    }
    const name = `${String(this.nextSegment++).padStart(12, '0')}.seg`;
    const segment: Segment = { path: join(this.dir, name), bytes: 0, pending: 0 };
    segment.handle = await open(segment.path, 'a+');
    // The new file's directory entry must be durable too, or a crash could lose the whole segment.
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    this.segments.push(segment);
    this.active = segment;
    return segment;
  }

  private async write(segment: Segment, frames: Buffer[]): Promise<void> {
    segment.handle ??= await open(segment.path, 'a+');
    const { bytesWritten } = await segment.handle.writev(frames);
    segment.bytes += bytesWritten;
    this.totalBytes += bytesWritten;
  }

  /** Reads a segment's records into the queue; returns how many bytes of torn tail were cut off. */
  private async load(segment: Segment): Promise<number> {
    const data = await readFile(segment.path);
    let at = 0;
    while (at + HEADER <= data.length) {
      const length = data.readUInt32BE(at);
      const end = at + HEADER + length;
      if (length === 0 || end > data.length) break;
      const payload = data.subarray(at + HEADER, end);
      if (crc32(payload) !== data.readUInt32BE(at + 4)) break;
      const kind = payload.readUInt8(0);
      const id = payload.readBigUInt64BE(1);
      if (kind === BATCH || kind === LEGACY_BATCH) {
        // Batches logged by Seam 0.1 have no time of their own; they count as appended now.
        const [appendedAt, tableAt] = kind === BATCH ? [Number(payload.readBigUInt64BE(13)), 21] : [Date.now(), 13];
        const tableLength = payload.readUInt8(tableAt);
        const table = payload.subarray(tableAt + 1, tableAt + 1 + tableLength).toString();
        const offset = at + HEADER + tableAt + 1 + tableLength;
        const format = kind === BATCH ? 'Native' : 'JSONCompactEachRow';
        const batch: LoggedBatch = { id, table, rows: payload.readUInt32BE(9), format, segment, offset, length: end - offset, appendedAt, mayBeStored: true };
        segment.pending++;
        this.queue.push(batch);
        this.byId.set(id, batch);
        this.queuedRows += batch.rows;
      } else if (kind === COMMIT) {
        const batch = this.byId.get(id);
        if (batch) {
          this.byId.delete(id);
          this.queue.splice(this.queue.indexOf(batch), 1);
          this.queuedRows -= batch.rows;
          segment.pending--;
        }
      }
      if (id >= this.nextId) this.nextId = id + 1n;
      at = end;
    }
    if (at < data.length) await truncate(segment.path, at);
    segment.bytes = at;
    return data.length - at;
  }
}

/** A record: its header (length and CRC of the payload) and the payload's parts, written as they are. */
function frame(parts: Buffer[]): Buffer[] {
  const header = Buffer.alloc(HEADER);
  header.writeUInt32BE(parts.reduce((length, part) => length + part.length, 0), 0);
  header.writeUInt32BE(parts.reduce((crc, part) => crc32(part, crc), 0), 4);
  return [header, ...parts];
}
