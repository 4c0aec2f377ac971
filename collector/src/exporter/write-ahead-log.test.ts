import { appendFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { expect, it } from 'vitest';
import { LogFull, WriteAheadLog } from './write-ahead-log.ts';

const options = { maxBytes: 64 * 1024 * 1024, segmentBytes: 1024 * 1024, residentBytes: 1024 * 1024 };
const fresh = () => mkdtempSync(join(tmpdir(), 'seam-wal-'));

it('group commit: appends that arrive together share fsyncs, and all survive a reopen in order', async () => {
  const dir = fresh();
  let fsyncs = 0;
  const { log } = await WriteAheadLog.open(dir, { ...options, observeFsync: () => fsyncs++ });
  const bodies = Array.from({ length: 200 }, (_, i) => Buffer.from(`batch ${i} `.repeat(i + 1)));
  const appended = await Promise.all(bodies.map((body, i) => log.append(i % 2 ? 'otel_logs' : 'otel_traces', body, i + 1)));
  expect(appended.map((batch) => batch.id)).toEqual(appended.map((_, i) => BigInt(i + 1)));
  expect(fsyncs).toBeGreaterThan(0);
  expect(fsyncs).toBeLessThan(bodies.length / 4);
  expect(log.pendingRows).toBe((200 * 201) / 2);
  await log.close();

  // As after kill -9: nothing was committed, so everything comes back, flagged as possibly stored.
  const { log: reopened, recovered } = await WriteAheadLog.open(dir, options);
  expect(recovered).toEqual({ batches: 200, rows: (200 * 201) / 2, truncatedBytes: 0 });
  const run = reopened.oldestRun(1_000_000);
  expect(run).toHaveLength(1);
  expect(run[0]).toMatchObject({ table: 'otel_traces', rows: 1, format: 'Native', mayBeStored: true });
  for (const [i, body] of bodies.entries()) {
    const batch = reopened.oldest()!;
    expect(await reopened.read(batch)).toEqual(body);
    await reopened.commit([batch]);
    expect(reopened.pendingBatches).toBe(bodies.length - i - 1);
  }
  await reopened.close();
  expect(readdirSync(dir).filter((name) => name.endsWith('.seg'))).toEqual([]);
});

it('a run is the oldest batches of one table, up to a row budget', async () => {
  const { log } = await WriteAheadLog.open(fresh(), options);
  for (const [table, rows] of [['otel_traces', 10], ['otel_traces', 10], ['otel_traces', 10], ['otel_logs', 1], ['otel_traces', 1]] as const) await log.append(table, Buffer.from('x'), rows);
  expect(log.oldestRun(25).map((batch) => batch.rows)).toEqual([10, 10]);
  expect(log.oldestRun(1000).map((batch) => batch.rows)).toEqual([10, 10, 10]);
  expect(log.oldestRun(5).map((batch) => batch.rows)).toEqual([10]);
  await log.close();
});

it('a torn record at the tail (a crash mid-write, never acknowledged) is cut off; the rest is kept', async () => {
  const dir = fresh();
  const { log } = await WriteAheadLog.open(dir, options);
  await log.append('otel_traces', Buffer.from('kept'), 1);
  await log.close();
  const segment = join(dir, readdirSync(dir).find((name) => name.endsWith('.seg'))!);
  appendFileSync(segment, Buffer.from([0, 0, 0, 200, 1, 2, 3, 4, 5]));
  const { log: reopened, recovered } = await WriteAheadLog.open(dir, options);
  expect(recovered).toEqual({ batches: 1, rows: 1, truncatedBytes: 9 });
  expect((await reopened.read(reopened.oldest()!)).toString()).toBe('kept');
  await reopened.close();
});

it('past maxBytes an append is refused at once with LogFull', async () => {
  const { log } = await WriteAheadLog.open(fresh(), { ...options, maxBytes: 4096 });
  await log.append('otel_traces', Buffer.alloc(3000), 1);
  await expect(log.append('otel_traces', Buffer.alloc(3000), 1)).rejects.toBeInstanceOf(LogFull);
  await log.close();
});

it('a log left by Seam 0.1 (JSON rows, no append time) is read back as JSONCompactEachRow batches', async () => {
  const dir = fresh();
  const table = Buffer.from('otel_traces');
  const body = Buffer.from('["1","t","s"]');
  const payload = Buffer.concat([Buffer.from([1]), Buffer.alloc(8), Buffer.alloc(4), Buffer.from([table.length]), table, body]);
  payload.writeBigUInt64BE(7n, 1);
  payload.writeUInt32BE(1, 9);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(payload.length, 0);
  header.writeUInt32BE(crc32(payload), 4);
  writeFileSync(join(dir, '000000000001.seg'), Buffer.concat([header, payload]));
  const { log } = await WriteAheadLog.open(dir, options);
  const batch = log.oldest()!;
  expect(batch).toMatchObject({ id: 7n, table: 'otel_traces', rows: 1, format: 'JSONCompactEachRow', mayBeStored: true });
  expect((await log.read(batch)).toString()).toBe(body.toString());
  // New batches continue the ids after the old ones.
  expect((await log.append('otel_traces', Buffer.from('n'), 1)).id).toBe(8n);
  await log.close();
});
