import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openStore } from '../collector/src/store/open.ts';
import { spanBatch, startChild } from './helpers/reliability.ts';

// The real CLI in its own process. With a 30 s flush interval a request waits in the writer's queue;
// SIGTERM must write it, answer it 200, and exit 0.
it('SIGTERM flushes a request still waiting in the queue, answers it, and exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seam-sigterm-'));
  const config = join(dir, 'seam.yaml');
  writeFileSync(config, 'writer:\n  flushIntervalMs: 30000\n');
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

  const store = await openStore({ dataDir: dir });
  try {
    const result = await store.client.query({ query: "SELECT count() AS n FROM otel_traces WHERE ServiceName = 'sigterm-test'", format: 'JSONEachRow' });
    expect(Number((await result.json<{ n: string }>())[0]!.n)).toBe(keys.length);
  } finally {
    await store.close();
  }
});
