import { readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { defaultDecodeLimits } from '../collector/src/decode/limits.ts';
import { defaultEnrichOptions } from '../collector/src/enrich/options.ts';
import { spanColumns } from '../collector/src/exporter/rows.ts';
import { prepare } from '../collector/src/ingest/prepare.ts';
import { startTestCollector } from './helpers/collector.ts';

// CAP_SYS_NICE is bit 23 of the effective capabilities; ClickHouse sets a nice value only with it.
const capabilities = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
const maySetNice = ((capabilities >> 23n) & 1n) === 1n;

/** Names of this process's threads running at nice 10. */
function nicedThreads(): string[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      return []; // the thread ended meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[16]) === 10 ? [stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))] : [];
  });
}

function nativeBlock(spans: number): Buffer {
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'reviews.default' } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: spans }, (_, i) => ({
              traceId: (i + 1).toString(16).padStart(32, '0'),
              spanId: (i + 1).toString(16).padStart(16, '0'),
              name: 'ingress',
              kind: 2,
              startTimeUnixNano: String(1_764_000_000_000_000_000n + BigInt(i) * 1_000_000n),
              endTimeUnixNano: String(1_764_000_000_000_000_000n + BigInt(i) * 1_000_000n + 1000n),
              attributes: [
                { key: 'http.method', value: { stringValue: 'GET' } },
                { key: 'http.status_code', value: { stringValue: i % 7 === 0 ? '403' : '200' } },
                { key: 'guid:x-request-id', value: { stringValue: `request-${i}` } },
              ],
            })),
          },
        ],
      },
    ],
  };
  const prepared = prepare({ signal: 'spans', encoding: 'otlp-json', body: Buffer.from(JSON.stringify(body)) }, { limits: defaultDecodeLimits, enrich: defaultEnrichOptions });
  return Buffer.from(prepared.block);
}

it(`runs the embedded engine's inserts below the collector's CPU priority (nice 10) ${maySetNice ? 'with' : 'without'} CAP_SYS_NICE, and restores it after`, async () => {
  const collector = await startTestCollector();
  try {
    const block = nativeBlock(20_000);
    const seen = new Set<string>();
    const watch = setInterval(() => {
      for (const name of nicedThreads()) seen.add(name);
    }, 2);
    try {
      for (let i = 0; i < 3; i++) await collector.store.insertRows('otel_traces', spanColumns, block, 'Native');
    } finally {
      clearInterval(watch);
    }
    // ClickHouse leaves the priority alone where it may not set one.
    expect(seen.size > 0).toBe(maySetNice);
    expect(nicedThreads()).toEqual([]);
    const rows = await collector.query<{ n: string }>('SELECT count() AS n FROM otel_traces');
    expect(Number(rows[0]!.n)).toBe(60_000);
  } finally {
    await collector.close();
  }
});
