import { afterAll, expect, it } from 'vitest';
import { defaultDecodeLimits, MalformedRequest } from '../decode/limits.ts';
import { defaultEnrichOptions } from '../enrich/options.ts';
import { PreparePool } from './prepare-pool.ts';
import type { RawRequest } from './prepare.ts';

const options = { limits: defaultDecodeLimits, enrich: defaultEnrichOptions };
const threaded = new PreparePool(2, options);
const inline = new PreparePool(0, options);
afterAll(async () => {
  await threaded.close();
});

function request(spans: number, token = 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'): RawRequest {
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'reviews.default' } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: spans }, (_, i) => ({
              traceId: '0af7651916cd43dd8448eb211c80319c',
              spanId: (i + 1).toString(16).padStart(16, '0'),
              name: `span ${i} ✓`,
              kind: 2,
              startTimeUnixNano: String(1_764_000_000_000_000_000n + BigInt(i)),
              endTimeUnixNano: String(1_764_000_000_000_000_000n + BigInt(i) + 1000n),
              attributes: [
                { key: 'http.request.header.authorization', value: { stringValue: token } },
                { key: 'enduser.id', value: { stringValue: `user-${i}` } },
                { key: 'count', value: { intValue: String(i) } },
              ],
            })),
          },
        ],
      },
    ],
  };
  return { signal: 'spans', encoding: 'otlp-json', body: Buffer.from(JSON.stringify(body)) };
}

it('a prepare thread gives the same Native block as the main thread, credentials redacted', async () => {
  const [inThread, inMain] = await Promise.all([threaded.prepare(request(50)), inline.prepare(request(50))]);
  expect(inThread.rows).toBe(50);
  expect(Buffer.from(inThread.block)).toEqual(Buffer.from(inMain.block));
  expect(Buffer.from(inThread.block).includes('eyJhbGciOiJIUzI1NiJ9')).toBe(false);
  expect(Buffer.from(inThread.block).includes('[REDACTED]')).toBe(true);
});

it('many requests at once are spread over the threads and each answered with its own rows', async () => {
  const sizes = Array.from({ length: 24 }, (_, i) => i + 1);
  const prepared = await Promise.all(sizes.map((n) => threaded.prepare(request(n))));
  expect(prepared.map((p) => p.rows)).toEqual(sizes);
});

it('moves a body that is a buffer of its own to the thread, and copies one that shares pooled memory', async () => {
  const large = request(200);
  const small: RawRequest = { ...request(1), body: Buffer.concat([Buffer.from(request(1).body), Buffer.alloc(0)]) };
  expect(large.body.byteLength).toBeGreaterThan(Buffer.poolSize);
  expect(small.body.byteOffset > 0 || small.body.byteLength < small.body.buffer.byteLength).toBe(true);
  const sharing = new Uint8Array(small.body.buffer);
  const [fromLarge, fromSmall] = await Promise.all([threaded.prepare(large), threaded.prepare(small)]);
  expect([fromLarge.rows, fromSmall.rows]).toEqual([200, 1]);
  // Moved: the receiver's view is detached, and nothing was copied for it.
  expect(large.body.byteLength).toBe(0);
  // Copied: the pool the small body shares with other buffers is still there for them.
  expect(sharing.byteLength).toBeGreaterThan(0);
  expect(Buffer.from(small.body).toString()).toContain('resourceSpans');
});

it('an unreadable body is a MalformedRequest whichever thread reads it', async () => {
  const broken: RawRequest = { signal: 'spans', encoding: 'otlp-json', body: Buffer.from('{"resourceSpans": [') };
  for (const pool of [threaded, inline]) {
    const error = await pool.prepare(broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedRequest);
    expect((error as Error).message).toMatch(/not valid JSON.*send an OTLP\/JSON ExportTraceServiceRequest/);
  }
});

it('a thread that dies fails only the requests it held, and is replaced', async () => {
  const lines: string[] = [];
  const pool = new PreparePool(1, options, (line) => lines.push(line));
  try {
    const held = pool.prepare(request(2000));
    // Reach the thread to stop it mid-request, as an out-of-memory kill would.
    await (pool as unknown as { threads: { worker: { terminate(): Promise<number> } }[] }).threads[0]!.worker.terminate();
    await expect(held).rejects.toThrow(/the thread decoding this request failed/);
    expect(lines.join('\n')).toMatch(/a prepare thread failed/);
    expect((await pool.prepare(request(3))).rows).toBe(3);
  } finally {
    await pool.close();
  }
});
