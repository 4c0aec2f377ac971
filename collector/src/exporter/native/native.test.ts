import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.ts';
import { schemaTarget } from '../../config/schema-target.ts';
import type { EnrichedSpan } from '../../enrich/enrich-span.ts';
import type { Attributes, Span } from '../../model/span.ts';
import { migrate } from '../../store/migrate.ts';
import { openStore, type Store } from '../../store/open.ts';
import { spanBlock, spanColumns } from '../rows.ts';
import { ByteWriter } from './byte-writer.ts';
import { readColumns } from './read-columns.ts';

// The encoder's output goes through the real embedded ClickHouse and is read back value by value.
let store: Store;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seam-native-'));
  store = await openStore({ dataDir: dir });
  await migrate(store, schemaTarget(loadConfig({ SEAM_DATA_DIR: dir })));
});
afterAll(async () => {
  await store?.close();
});

const awkward = {
  unicode: 'grüße, 東京, 🚀 and a \u0000 byte',
  long: 'a'.repeat(127) + 'é'.repeat(300),
  exactly127: 'x'.repeat(127),
  exactly128: 'y'.repeat(128),
  markup: '<img src=x onerror=alert(1)>',
};

// Spans of one resource share its attributes object, which the encoder copies instead of encoding again.
const resources: Attributes[] = [{ 'service.name': 'svc-0', 'k8s.pod.name': awkward.unicode }, { 'service.name': 'svc-1' }];

function span(i: number, overrides: Partial<Span> = {}): EnrichedSpan {
  const attributes: Attributes = i % 3 === 0 ? {} : { ...awkward, [`key-${awkward.unicode}`]: String(i) };
  return {
    span: {
      traceId: `${String(i).padStart(32, '0')}`,
      spanId: `${String(i).padStart(16, '0')}`,
      parentSpanId: i > 0 ? String(i - 1).padStart(16, '0') : '',
      traceState: '',
      name: i % 2 ? awkward.unicode : awkward.markup,
      kind: 'Server',
      startNs: 1_764_000_000_000_000_000n + BigInt(i),
      endNs: 1_764_000_000_000_000_000n + BigInt(i) + 1_500n,
      statusCode: 'Error',
      statusMessage: awkward.long,
      attributes,
      attributeKeys: Object.keys(attributes),
      resource: resources[Math.floor(i / 3) % 2]!,
      scopeName: 'scope',
      scopeVersion: '1',
      events: i % 2 ? [{ timeNs: 5n, name: 'e1', attributes: { a: awkward.unicode } }, { timeNs: 6n, name: 'e2', attributes: {} }] : [],
      links: i % 2 ? [] : [{ traceId: 'f'.repeat(32), spanId: 'e'.repeat(16), traceState: 'k=v', attributes: { link: awkward.exactly128 } }],
      ...overrides,
    },
    layer: 'sidecar',
    identity: { subject: awkward.unicode, issuer: 'iss', groups: i % 2 ? ['g1', awkward.unicode] : [], keyId: 'kid', mappingVersion: '' },
    decision: { decision: 'deny', reason: 'rbac', policy: awkward.exactly127, evidence: 'span', dryRunResult: '', dryRunPolicy: '' },
    join: { role: '', rayId: '', requestId: '' },
    httpStatus: 403,
  };
}

it('Native blocks hold every value exactly, across unicode, long strings, empty maps and nested columns', async () => {
  const spans = Array.from({ length: 7 }, (_, i) => span(i));
  // Two blocks in one insert, as the writer sends the rows of several requests.
  const first = spanBlock();
  const second = spanBlock();
  spans.forEach((s, i) => (i < 3 ? first : second).add(s));
  await store.insertRows('otel_traces', spanColumns, Buffer.concat([first.encode(), second.encode()]), 'Native');

  const result = await store.client.query({
    query: `SELECT SpanId, SpanName, StatusMessage, SpanAttributes, ResourceAttributes, toString(toUnixTimestamp64Nano(Timestamp)) AS start, toString(Duration) AS duration,
              Events.Name AS eventNames, Events.Attributes AS eventAttributes, arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS eventTimes,
              Links.TraceId AS linkTraces, Links.Attributes AS linkAttributes, Subject, Groups, DecisionPolicy, HttpStatus, Layer
            FROM otel_traces ORDER BY SpanId`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<Record<string, unknown>>();
  expect(rows).toHaveLength(spans.length);
  for (const [i, row] of rows.entries()) {
    const s = spans[i]!;
    expect(row).toEqual({
      SpanId: s.span.spanId,
      SpanName: s.span.name,
      StatusMessage: awkward.long,
      SpanAttributes: s.span.attributes,
      ResourceAttributes: s.span.resource,
      start: s.span.startNs.toString(),
      duration: '1500',
      eventNames: s.span.events.map((e) => e.name),
      eventAttributes: s.span.events.map((e) => e.attributes),
      eventTimes: s.span.events.map((e) => e.timeNs.toString()),
      linkTraces: s.span.links.map((l) => l.traceId),
      linkAttributes: s.span.links.map((l) => l.attributes),
      Subject: awkward.unicode,
      Groups: s.identity.groups,
      DecisionPolicy: awkward.exactly127,
      HttpStatus: 403,
      Layer: 'sidecar',
    });
  }
});

it("a map is written with its own keys when they differ from the previous map's in name or order", async () => {
  // Equal key lists in a row are copied from the bytes written for the first; these differ one by one.
  const maps: Attributes[] = [{ a: '1', b: '2' }, { a: '3', c: '4' }, { c: '5', a: '6' }, { c: '7', a: '8' }, { a: '9' }, {}, { a: '10' }];
  const block = spanBlock();
  maps.forEach((attributes, i) => block.add(span(200 + i, { attributes, attributeKeys: Object.keys(attributes) })));
  await store.insertRows('otel_traces', spanColumns, block.encode(), 'Native');
  const result = await store.client.query({
    query: `SELECT mapKeys(SpanAttributes) AS keys, mapValues(SpanAttributes) AS values FROM otel_traces WHERE SpanId >= '${span(200).span.spanId}' AND SpanId <= '${span(206).span.spanId}' ORDER BY SpanId`,
    format: 'JSONEachRow',
  });
  expect(await result.json()).toEqual(maps.map((attributes) => ({ keys: Object.keys(attributes), values: Object.values(attributes) })));
});

it('a block emptied and filled again encodes exactly what a new block does', () => {
  const reused = spanBlock();
  // More rows first than after, so that every buffer has grown past what the second fill needs.
  for (let i = 0; i < 40; i++) reused.add(span(i));
  const first = reused.encode();
  reused.reset();
  const fresh = spanBlock();
  for (let i = 3; i < 7; i++) {
    reused.add(span(i));
    fresh.add(span(i));
  }
  expect(reused.rows).toBe(4);
  expect(reused.encode()).toEqual(fresh.encode());
  // What encode returned before the reset is a copy, untouched by the second fill.
  const again = spanBlock();
  for (let i = 0; i < 40; i++) again.add(span(i));
  expect(first).toEqual(again.encode());
});

it('the columns replay needs are read back from the blocks the encoder wrote', () => {
  const block = spanBlock();
  for (let i = 0; i < 4; i++) block.add(span(i));
  const body = Buffer.concat([block.encode(), block.encode()]);
  const read = readColumns(body, ['TraceId', 'SpanId', 'Timestamp']);
  const expected = Array.from({ length: 4 }, (_, i) => span(i).span);
  expect(read.TraceId).toEqual([...expected, ...expected].map((s) => s.traceId));
  expect(read.SpanId).toEqual([...expected, ...expected].map((s) => s.spanId));
  expect(read.Timestamp).toEqual([...expected, ...expected].map((s) => s.startNs));
  expect(() => readColumns(body.subarray(0, body.length - 3), ['TraceId'])).toThrow(/ends early/);
});

it('a span whose end is before its start is stored with duration 0 instead of failing the insert', async () => {
  const block = spanBlock();
  block.add(span(100, { startNs: 2_000n, endNs: 1_000n }));
  await store.insertRows('otel_traces', spanColumns, block.encode(), 'Native');
  const result = await store.client.query({ query: `SELECT toString(Duration) AS d FROM otel_traces WHERE SpanId = '${span(100).span.spanId}'`, format: 'JSONEachRow' });
  expect(await result.json()).toEqual([{ d: '0' }]);
});

it('whole numbers are written little-endian at their full width, up to the largest offset a column can hold', () => {
  const out = new ByteWriter(4);
  const offsets = [0, 1, 0xff, 0x1_0000, 0xffff_ffff, 0x1_0000_0000, 0x1234_5678_9abc, Number.MAX_SAFE_INTEGER];
  for (const value of offsets) out.uint64(value);
  for (const value of [0, 0x7f, 0x80, 0xff, 0x100, 0xffff]) out.uint16(value);
  const bytes = out.bytes();
  expect(offsets.map((_, i) => bytes.readBigUInt64LE(i * 8))).toEqual(offsets.map(BigInt));
  expect([0, 1, 2, 3, 4, 5].map((i) => bytes.readUInt16LE(offsets.length * 8 + i * 2))).toEqual([0, 0x7f, 0x80, 0xff, 0x100, 0xffff]);

  // Written past the first buffer's end, so that some land after it has grown.
  const big = new ByteWriter(4);
  const signed = [0n, 1n, -1n, 7_258_118_400_000_000_000n, 2n ** 63n - 1n, -(2n ** 63n)];
  const unsigned = [0n, 1_500n, 2n ** 64n - 1n];
  for (const value of signed) big.int64(value);
  for (const value of unsigned) big.uint64Big(value);
  const written = big.bytes();
  expect(signed.map((_, i) => written.readBigInt64LE(i * 8))).toEqual(signed);
  expect(unsigned.map((_, i) => written.readBigUInt64LE((signed.length + i) * 8))).toEqual(unsigned);
});
