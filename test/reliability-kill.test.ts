import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openStore } from '../collector/src/store/open.ts';
import { compare, Ledger, metric, sendBatch, sleep, startChild, storedKeysSql, waitFor, type ChildCollector } from './helpers/reliability.ts';

// The real CLI in a child process with the embedded (real ClickHouse) store, killed with SIGKILL while
// senders are mid-request, then restarted on the same data directory.
const dir = mkdtempSync(join(tmpdir(), 'seam-kill-'));
let running: ChildCollector | undefined;
afterAll(() => {
  running?.child.kill('SIGKILL');
});

function config(ack: 'wal' | 'store', flushIntervalMs = 20): string {
  const file = join(dir, `config-${ack}-${flushIntervalMs}.yaml`);
  writeFileSync(file, `ack: ${ack}\nwriter:\n  spoolAfterMs: 2000\n  flushIntervalMs: ${flushIntervalMs}\n  maxBatchRows: 1000\n`);
  return file;
}

/** Four senders post 100-span batches until `stop` is set; requests cut off by the kill stay unacknowledged. */
async function load(ledger: Ledger, port: number, until: Promise<void>): Promise<void> {
  let stop = false;
  void until.then(() => (stop = true));
  const url = `http://127.0.0.1:${port}/v1/traces`;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (!stop) await sendBatch(ledger, url, 'kill-test', 100);
    }),
  );
}

async function killMidLoad(ledger: Ledger, ack: 'wal' | 'store', killAfterMs: number): Promise<void> {
  running = await startChild({ SEAM_DATA_DIR: dir }, ['--config', config(ack)]);
  const child = running;
  const killed = sleep(killAfterMs).then(() => {
    child.child.kill('SIGKILL');
  });
  await load(ledger, child.ports['otlp-http']!, killed);
  await child.exited;
}

it('no acknowledged span is lost or stored twice across kill -9 mid-batch and restart', async () => {
  const ledger = new Ledger();
  // Every batch goes through the write-ahead log, so the kill lands between fsync, insert and commit record.
  await killMidLoad(ledger, 'wal', 2_500);
  const afterFirst = { ...ledger, acknowledged: ledger.acked.size };
  // Batches go straight to ClickHouse here, with the first run's log replaying underneath.
  await killMidLoad(ledger, 'store', 2_000);

  running = await startChild({ SEAM_DATA_DIR: dir }, ['--config', config('store')]);
  const api = running.ports.api!;
  await waitFor(async () => (await metric(api, 'seam_wal_batches')) === 0, 'the log to replay');
  running.child.kill('SIGTERM');
  expect(await running.exited).toBe(0);
  running = undefined;

  const store = await openStore({ dataDir: dir });
  try {
    const result = await store.client.query({ query: storedKeysSql, query_params: { service: 'kill-test' }, format: 'JSONEachRow' });
    const figures = compare(ledger, await result.json<{ k: string; c: string }>());
    console.log(`kill -9 x2 (acknowledged before first kill: ${afterFirst.acknowledged}; answers: ${JSON.stringify(Object.fromEntries(ledger.statuses))}):`, figures);
    expect(figures.acknowledged).toBeGreaterThan(0);
    expect(figures.missing).toBe(0);
    expect(figures.duplicates).toBe(0);
    expect(figures.unexpected).toBe(0);
  } finally {
    await store.close();
  }
});

it('a 200 is sent only after the fsync: kill -9 right after it, and the rows are stored at the next start', async () => {
  // A flush interval of a minute keeps the first rows in the log, not yet in ClickHouse, when the kill lands.
  running = await startChild({ SEAM_DATA_DIR: dir }, ['--config', config('wal', 60_000)]);
  const child = running;
  const ledger = new Ledger();
  const answer = await sendBatch(ledger, `http://127.0.0.1:${child.ports['otlp-http']}/v1/traces`, 'fsync-test', 50);
  expect(answer.status).toBe(200);
  const loggedNotStored = await metric(child.ports.api!, 'seam_wal_rows');
  child.child.kill('SIGKILL');
  await child.exited;
  expect(loggedNotStored).toBe(50);

  running = await startChild({ SEAM_DATA_DIR: dir }, ['--config', config('wal')]);
  await waitFor(async () => (await metric(running!.ports.api!, 'seam_wal_batches')) === 0, 'the log to be stored');
  running.child.kill('SIGTERM');
  expect(await running.exited).toBe(0);
  running = undefined;

  const store = await openStore({ dataDir: dir });
  try {
    const result = await store.client.query({ query: storedKeysSql, query_params: { service: 'fsync-test' }, format: 'JSONEachRow' });
    expect(compare(ledger, await result.json<{ k: string; c: string }>())).toMatchObject({ acknowledged: 50, stored: 50, missing: 0, duplicates: 0 });
  } finally {
    await store.close();
  }
});
