import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
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
    async insertRows(table, columns, rows) {
      if (mode === 'down') {
        await unreachable.exec({ query: `INSERT INTO ${table} FORMAT JSONCompactEachRow`, values: Readable.from([rows]) });
        return;
      }
      if (mode === 'slow') await sleep(800);
      await real.insertRows(table, columns, rows);
    },
    close: async () => {
      await unreachable.close();
      await real.close();
    },
  };
}

beforeAll(async () => {
  deadPort = await closedPort();
  collector = await startWith(
    {},
    (config) => Object.assign(config.writer, { spoolAfterMs: 300, spoolMaxBytes: 3 * 1024 * 1024, flushIntervalMs: 20, maxBatchRows: 2000 }),
    { wrapStore: staged },
  );
});
afterAll(async () => {
  mode = 'up';
  await collector?.close();
});

/** Three senders post 50-span batches for `ms`, honouring Retry-After in a bounded way. */
async function steadyLoad(ledger: Ledger, service: string, ms: number): Promise<{ refusals: number; retryAfter: Set<string> }> {
  const until = Date.now() + ms;
  const retryAfter = new Set<string>();
  let refusals = 0;
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      while (Date.now() < until) {
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
  await collector.writer.drained();
  return compare(ledger, await collector.query<{ k: string; c: string }>(storedKeysSql, { service }));
}

it('ClickHouse unreachable under steady load: acknowledged spans are spooled and replayed once it returns', async () => {
  const ledger = new Ledger();
  const load = steadyLoad(ledger, 'outage', 3_000);
  await sleep(500);
  mode = 'down';
  await sleep(1_500);
  const spooledDuringOutage = collector.writer.spooledRows;
  mode = 'up';
  await load;
  const figures = await stored(ledger, 'outage');
  console.log('ClickHouse unreachable 1.5 s under load:', { ...figures, spooledDuringOutage, answers: Object.fromEntries(ledger.statuses) });
  expect(spooledDuringOutage).toBeGreaterThan(0);
  expect(figures).toMatchObject({ missing: 0, duplicates: 0, unexpected: 0, storedUnacknowledged: 0 });
});

it('slow ClickHouse: batches spooled after spoolAfterMs are committed by the slow insert or replayed, never both', async () => {
  const ledger = new Ledger();
  mode = 'slow';
  await steadyLoad(ledger, 'slow', 2_500);
  mode = 'up';
  const figures = await stored(ledger, 'slow');
  console.log('ClickHouse slow (800 ms per insert) 2.5 s under load:', { ...figures, answers: Object.fromEntries(ledger.statuses) });
  expect(figures).toMatchObject({ missing: 0, duplicates: 0, unexpected: 0 });
});

it('spool full: receivers answer 503 with Retry-After, nothing acknowledged is dropped', async () => {
  const ledger = new Ledger();
  mode = 'down';
  const { refusals, retryAfter } = await steadyLoad(ledger, 'full', 3_000);
  const spoolBytes = (await collector.metrics.render()).match(/^seam_spool_bytes (\d+)/m)?.[1];
  mode = 'up';
  const figures = await stored(ledger, 'full');
  console.log('spool full (3 MiB) while ClickHouse is down:', { ...figures, refusals503: refusals, retryAfter: [...retryAfter], spoolBytes, answers: Object.fromEntries(ledger.statuses) });
  expect(refusals).toBeGreaterThan(0);
  expect(retryAfter.size).toBeGreaterThan(0);
  expect(figures).toMatchObject({ missing: 0, duplicates: 0, unexpected: 0, storedUnacknowledged: 0 });
});
