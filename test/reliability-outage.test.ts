import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../collector/src/store/open.ts';
import { compare, Ledger, sendBatch, sleep, startWith, storedKeysSql } from './helpers/reliability.ts';

/**
 * No ClickHouse server can run here, so an outage is staged in front of the real embedded store: while
 * "down", inserts and queries go through the real @clickhouse/client to a loopback port with nothing
 * listening (connection refused, as for a server that is away); while "slow", each insert waits before
 * reaching the real engine. Everything that is stored is stored by real ClickHouse.
 */
let mode: 'up' | 'down' | 'slow' = 'up';
let collector: Awaited<ReturnType<typeof startWith>>;
let deadPort: number;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function staged(real: Store): Store {
  const unreachable = createClient({ url: `http://127.0.0.1:${deadPort}`, request_timeout: 2_000, log: { level: ClickHouseLogLevel.OFF } });
  const client = new Proxy(real.client, {
    get: (target, property, receiver) => (property === 'query' && mode === 'down' ? unreachable.query.bind(unreachable) : Reflect.get(target, property, receiver)),
  });
  return {
    ...real,
    client,
    async insertRows(table, columns, rows, format, skip) {
      if (mode === 'down') {
        await unreachable.exec({ query: `INSERT INTO ${table} FORMAT ${format}`, values: Readable.from([rows]) });
        return;
      }
      if (mode === 'slow') await sleep(800);
      await real.insertRows(table, columns, rows, format, skip);
    },
    close: async () => {
      await unreachable.close();
      await real.close();
    },
  };
}

beforeAll(async () => {
  deadPort = await closedPort();
});

/**
 * Three senders post 50-span batches for `ms` (or, with `untilRefused`, until the collector has refused
 * some, at most `ms`), honouring Retry-After in a bounded way.
 */
async function steadyLoad(ledger: Ledger, service: string, ms: number, untilRefused = false): Promise<{ refusals: number; retryAfter: Set<string> }> {
  const until = Date.now() + ms;
  const retryAfter = new Set<string>();
  let refusals = 0;
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      while (Date.now() < until && !(untilRefused && refusals >= 5)) {
        const answer = await sendBatch(ledger, collector.url('otlpHttp', '/v1/traces'), service, 50);
        if (answer.status === 503) {
          refusals++;
          if (answer.retryAfter) retryAfter.add(answer.retryAfter);
          await sleep(100);
        }
      }
    }),
  );
  return { refusals, retryAfter };
}

async function stored(ledger: Ledger, service: string) {
  await collector.writer.caughtUp();
  return compare(ledger, await collector.query<{ k: string; c: string }>(storedKeysSql, { service }));
}

// Both ack modes: the write-ahead log (the default) and acknowledgement from the store.
describe.each(['wal', 'store'] as const)('SEAM_ACK=%s', (ack) => {
  beforeAll(async () => {
    mode = 'up';
    collector = await startWith(
      { SEAM_ACK: ack },
      (config) => Object.assign(config.writer, { spoolAfterMs: 300, spoolMaxBytes: 1024 * 1024, flushIntervalMs: 20, maxBatchRows: 2000 }),
      { wrapStore: staged },
    );
  });
  afterAll(async () => {
    mode = 'up';
    await collector?.close();
  });

  it('ClickHouse unreachable under steady load: acknowledged spans wait in the log and are stored once it returns', async () => {
    const ledger = new Ledger();
    const load = steadyLoad(ledger, 'outage', 3_000);
    await sleep(500);
    mode = 'down';
    await sleep(1_500);
    const backlogDuringOutage = collector.writer.backlogRows;
    mode = 'up';
    await load;
    const figures = await stored(ledger, 'outage');
    console.log(`${ack}: ClickHouse unreachable 1.5 s under load:`, { ...figures, backlogDuringOutage, answers: Object.fromEntries(ledger.statuses) });
    expect(backlogDuringOutage).toBeGreaterThan(0);
    expect(figures).toMatchObject({ missing: 0, duplicates: 0, unexpected: 0, storedUnacknowledged: 0 });
  });

  it('slow ClickHouse: every acknowledged span is stored once (store mode: a batch logged after spoolAfterMs is committed by the slow insert or replayed, never both)', async () => {
    const ledger = new Ledger();
    mode = 'slow';
    await steadyLoad(ledger, 'slow', 2_500);
    mode = 'up';
    const figures = await stored(ledger, 'slow');
    console.log(`${ack}: ClickHouse slow (800 ms per insert) 2.5 s under load:`, { ...figures, answers: Object.fromEntries(ledger.statuses) });
    expect(figures).toMatchObject({ missing: 0, duplicates: 0, unexpected: 0 });
  });

  it('log full (1 MiB): receivers answer 503 with Retry-After, nothing acknowledged is dropped', async () => {
    const ledger = new Ledger();
    mode = 'down';
    const { refusals, retryAfter } = await steadyLoad(ledger, 'full', 30_000, true);
    const logBytes = (await collector.metrics.render()).match(/^seam_wal_bytes (\d+)/m)?.[1];
    const readiness = await fetch(collector.url('api', '/readyz'));
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ status: 'not ready', backlog: expect.stringMatching(/write-ahead log is full/) });
    // Turned away before it is read: a malformed request gets 503 too, not the 400 that preparing it would give.
    const unread = await fetch(collector.url('otlpHttp', '/v1/traces'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans": [' });
    expect([unread.status, unread.headers.get('retry-after')]).toEqual([503, '5']);
    mode = 'up';
    const figures = await stored(ledger, 'full');
    console.log(`${ack}: log full (1 MiB) while ClickHouse is down:`, { ...figures, refusals503: refusals, retryAfter: [...retryAfter], logBytes, answers: Object.fromEntries(ledger.statuses) });
    expect(refusals).toBeGreaterThan(0);
    expect(retryAfter.size).toBeGreaterThan(0);
    expect(figures).toMatchObject({ missing: 0, duplicates: 0, unexpected: 0, storedUnacknowledged: 0 });
  });
});
