import { afterAll, beforeAll, expect, it } from 'vitest';
import { compare, Ledger, sendBatch, sleep, startWith, storedKeysSql } from './helpers/reliability.ts';

// Each client may send 2000 spans/s (rateLimit.itemsPerSecond): the sustainable rate per client here.
const perClient = 2_000;
let collector: Awaited<ReturnType<typeof startWith>>;
beforeAll(async () => {
  collector = await startWith({}, (config) => Object.assign(config.rateLimit, { itemsPerSecond: perClient, burstItems: perClient }));
});
afterAll(async () => {
  await collector?.close();
});

/** Sends 100-span batches at `spansPerSecond` for `ms` as the client holding `token`. */
async function paced(ledger: Ledger, token: string, spansPerSecond: number, ms: number, retryAfter: Set<string>): Promise<void> {
  const url = collector.url('otlpHttp', '/v1/traces');
  const interval = (100 / spansPerSecond) * 1000;
  const start = Date.now();
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; Date.now() - start < ms; i++) {
    inflight.push(
      sendBatch(ledger, url, token, 100, { authorization: `Bearer ${token}` }).then((answer) => {
        if (answer.retryAfter && answer.status === 429) retryAfter.add(answer.retryAfter);
      }),
    );
    await sleep(Math.max(0, start + (i + 1) * interval - Date.now()));
  }
  await Promise.all(inflight);
}

it('a client at 2x its rate gets 429 with Retry-After, a quiet client is not starved, nothing acknowledged is lost, memory stays bounded', async () => {
  const noisy = new Ledger();
  const quiet = new Ledger();
  const retryAfter = new Set<string>();
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 100);
  await Promise.all([paced(noisy, 'noisy', 2 * perClient, 4_000, retryAfter), paced(quiet, 'quiet', perClient / 4, 4_000, retryAfter)]);
  clearInterval(sampler);
  await collector.writer.caughtUp();
  const noisyFigures = compare(noisy, await collector.query(storedKeysSql, { service: 'noisy' }));
  const quietFigures = compare(quiet, await collector.query(storedKeysSql, { service: 'quiet' }));
  const rssMb = { first: Math.round(rss[0]! / 1e6), max: Math.round(Math.max(...rss) / 1e6), samples: rss.length };
  console.log('load at 2x the per-client rate for 4 s:', {
    noisy: { ...noisyFigures, answers: Object.fromEntries(noisy.statuses) },
    quiet: { ...quietFigures, answers: Object.fromEntries(quiet.statuses) },
    retryAfter: [...retryAfter],
    rssMb,
  });
  expect(noisy.statuses.get('429')).toBeGreaterThan(0);
  expect(retryAfter.size).toBeGreaterThan(0);
  expect(quiet.statuses.get('429') ?? 0).toBe(0);
  for (const figures of [noisyFigures, quietFigures]) expect(figures).toMatchObject({ missing: 0, duplicates: 0, unexpected: 0, storedUnacknowledged: 0 });
  expect(rssMb.max - rssMb.first).toBeLessThan(300);
});
