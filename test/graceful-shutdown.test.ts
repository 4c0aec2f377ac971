import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openStore } from '../collector/src/store/open.ts';
import { metric, spanBatch, startChild } from './helpers/reliability.ts';

async function storedCount(dir: string, service: string): Promise<number> {
  const store = await openStore({ dataDir: dir });
  try {
    const result = await store.client.query({ query: 'SELECT count() AS n FROM otel_traces WHERE ServiceName = {service:String}', query_params: { service }, format: 'JSONEachRow' });
    return Number((await result.json<{ n: string }>())[0]!.n);
  } finally {
    await store.close();
  }
}

// The real CLI in its own process. With SEAM_ACK=store and a 30 s flush interval a request waits in the
// writer's queue; SIGTERM must write it, answer it 200, and exit 0.
it('SEAM_ACK=store: SIGTERM flushes a request still waiting in the queue, answers it, and exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seam-sigterm-'));
  const config = join(dir, 'seam.yaml');
  writeFileSync(config, 'ack: store\nwriter:\n  flushIntervalMs: 30000\n');
  const running = await startChild({ SEAM_DATA_DIR: dir }, ['--config', config]);
  const { body, keys } = spanBatch('sigterm-test', 25);
  const pending = fetch(`http://127.0.0.1:${running.ports['otlp-http']}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  // Let the request reach the writer's queue before the signal.
  for (let i = 0; i < 50 && !(await (await fetch(`http://127.0.0.1:${running.ports.api}/metrics`)).text()).includes('seam_writer_queue_rows 25'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  running.child.kill('SIGTERM');
  const response = await pending;
  expect(response.status).toBe(200);
  expect(await running.exited).toBe(0);
  expect(running.output.join('\n')).toMatch(/SIGTERM: flushing acknowledged data and stopping[\s\S]*stopped/);

  expect(await storedCount(dir, 'sigterm-test')).toBe(keys.length);
});

// With the write-ahead log the request is answered at once; its rows wait in the log for companions,
// and SIGTERM stores them before exiting, so a pod whose log volume goes with it loses nothing.
it('SEAM_ACK=wal: SIGTERM stores what the log holds before exiting 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seam-sigterm-wal-'));
  const config = join(dir, 'seam.yaml');
  writeFileSync(config, 'writer:\n  flushIntervalMs: 60000\n');
  const running = await startChild({ SEAM_DATA_DIR: dir }, ['--config', config]);
  const { body, keys } = spanBatch('sigterm-wal', 25);
  const response = await fetch(`http://127.0.0.1:${running.ports['otlp-http']}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(response.status).toBe(200);
  expect(await metric(running.ports.api!, 'seam_wal_rows')).toBe(keys.length);
  running.child.kill('SIGTERM');
  expect(await running.exited).toBe(0);
  expect(await storedCount(dir, 'sigterm-wal')).toBe(keys.length);
});
