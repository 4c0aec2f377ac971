import { mkdir, open, readdir, readFile, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export interface SpoolOptions {
  /** Bytes the segment files may take together; past it `append` throws `SpoolFull`. */
  maxBytes: number;
  /** A segment is closed and a new one started once it holds this many bytes. */
  segmentBytes: number;
}

/** The disk spool cannot take another batch. */
export class SpoolFull extends Error {
  constructor(bytes: number, maxBytes: number) {
    super(`the disk spool is full (${bytes} of ${maxBytes} bytes, writer.spoolMaxBytes) because ClickHouse is not taking data fast enough; retry later`);
  }
}

/** One batch on disk, waiting to be inserted. */
export interface SpooledBatch {
  readonly id: bigint;
  readonly table: string;
  readonly rows: number;
  readonly segment: Segment;
  /** Where the NDJSON body starts in the segment file, and its length. */
  readonly offset: number;
  readonly length: number;
  /**
   * An insert of this batch that was still running when the batch was spooled (ClickHouse was slow).
   * It resolves true if it landed; replay waits for it so the two never race.
   */
  settling?: Promise<boolean> | undefined;
}

interface Segment {
  readonly path: string;
  bytes: number;
  pending: number;
  handle?: FileHandle | undefined;
}

const BATCH = 1;
const COMMIT = 2;
const HEADER = 8; // u32 payload length, u32 crc32 of the payload

/**
 * An append-only, crash-safe queue of batches in `<dataDir>/spool/`. Each record is length + CRC +
 * payload; a batch record is fsynced before `append` resolves, so a batch the receiver acknowledged
 * survives `kill -9`. Commit records mark batches that reached ClickHouse; they are not fsynced, since
 * replay checks the store for rows that are already there (see BatchWriter). A segment whose batches
 * are all committed is deleted. A torn record at the tail (a crash mid-write) was never acknowledged
 * and is cut off at start-up.
 */
export class Spool {
  private readonly queue: SpooledBatch[] = [];
  private readonly byId = new Map<bigint, SpooledBatch>();
  private segments: Segment[] = [];
  private active: Segment | undefined;
  private nextId = 1n;
  private nextSegment = 1;
  private totalBytes = 0;
  // Appends and commits touch the same files; one chain keeps their records whole and in order.
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly options: SpoolOptions,
  ) {}

  static async open(dir: string, options: SpoolOptions): Promise<{ spool: Spool; recovered: { batches: number; rows: number; truncatedBytes: number } }> {
    await mkdir(dir, { recursive: true });
    const spool = new Spool(dir, options);
    let truncatedBytes = 0;
    const names = (await readdir(dir)).filter((name) => /^\d{12}\.seg$/.test(name)).sort();
    for (const name of names) {
      const segment: Segment = { path: join(dir, name), bytes: 0, pending: 0 };
      truncatedBytes += await spool.load(segment);
      spool.nextSegment = Number(name.slice(0, 12)) + 1;
      if (segment.pending === 0) await unlink(segment.path);
      else {
        spool.segments.push(segment);
        spool.totalBytes += segment.bytes;
      }
    }
    return { spool, recovered: { batches: spool.queue.length, rows: spool.pendingRows, truncatedBytes } };
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get pendingBatches(): number {
    return this.queue.length;
  }

  get pendingRows(): number {
    return this.queue.reduce((sum, batch) => sum + batch.rows, 0);
  }

  oldest(): SpooledBatch | undefined {
    return this.queue[0];
  }

  /** Writes a batch and fsyncs it; once this resolves the batch survives a crash. */
  append(table: string, body: Buffer, rows: number, settling?: Promise<boolean>): Promise<SpooledBatch> {
    const tableBytes = Buffer.from(table);
    const recordBytes = HEADER + 1 + 8 + 4 + 1 + tableBytes.length + body.length;
    // Checked before queueing so a full spool answers at once instead of after the writes ahead of it.
    if (this.totalBytes + recordBytes > this.options.maxBytes) return Promise.reject(new SpoolFull(this.totalBytes, this.options.maxBytes));
    return this.serial(async () => {
      if (this.totalBytes + recordBytes > this.options.maxBytes) throw new SpoolFull(this.totalBytes, this.options.maxBytes);
      const id = this.nextId++;
      const head = Buffer.alloc(1 + 8 + 4 + 1);
      head.writeUInt8(BATCH, 0);
      head.writeBigUInt64BE(id, 1);
      head.writeUInt32BE(rows, 9);
      head.writeUInt8(tableBytes.length, 13);
      const segment = await this.writable();
      const offset = segment.bytes + HEADER + head.length + tableBytes.length;
      await this.writeRecord(segment, [head, tableBytes, body], true);
      const batch: SpooledBatch = { id, table, rows, segment, offset, length: body.length, settling };
      segment.pending++;
      this.queue.push(batch);
      this.byId.set(id, batch);
      return batch;
    });
  }

  read(batch: SpooledBatch): Promise<Buffer> {
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

  /** Marks a batch as stored in ClickHouse; deletes its segment once nothing in it is pending. */
  commit(batch: SpooledBatch): Promise<void> {
    return this.serial(async () => {
      if (!this.byId.delete(batch.id)) return;
      this.queue.splice(this.queue.indexOf(batch), 1);
      const segment = batch.segment;
      segment.pending--;
      if (segment.pending > 0) {
        const payload = Buffer.alloc(9);
        payload.writeUInt8(COMMIT, 0);
        payload.writeBigUInt64BE(batch.id, 1);
        await this.writeRecord(segment, [payload], false);
        return;
      }
      if (segment === this.active) this.active = undefined;
      await segment.handle?.close();
      segment.handle = undefined;
      await unlink(segment.path);
      this.segments = this.segments.filter((s) => s !== segment);
      this.totalBytes -= segment.bytes;
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

  private async writeRecord(segment: Segment, parts: Buffer[], durable: boolean): Promise<void> {
    const payload = Buffer.concat(parts);
    const header = Buffer.alloc(HEADER);
    header.writeUInt32BE(payload.length, 0);
    header.writeUInt32BE(crc32(payload), 4);
    segment.handle ??= await open(segment.path, 'a+');
    await segment.handle.write(Buffer.concat([header, payload]));
    if (durable) await segment.handle.datasync();
    segment.bytes += HEADER + payload.length;
    this.totalBytes += HEADER + payload.length;
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
      if (kind === BATCH) {
        const tableLength = payload.readUInt8(13);
        const table = payload.subarray(14, 14 + tableLength).toString();
        const offset = at + HEADER + 14 + tableLength;
        const batch: SpooledBatch = { id, table, rows: payload.readUInt32BE(9), segment, offset, length: end - offset };
        segment.pending++;
        this.queue.push(batch);
        this.byId.set(id, batch);
      } else if (kind === COMMIT) {
        const batch = this.byId.get(id);
        if (batch) {
          this.byId.delete(id);
          this.queue.splice(this.queue.indexOf(batch), 1);
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
