import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { expect, it } from 'vitest';
import type { AttributeStats } from '../collector/src/decode/attributes.ts';
import { defaultDecodeLimits, MalformedRequest, type DecodeLimits } from '../collector/src/decode/limits.ts';
import { decodeOtlpProtobufTraces } from '../collector/src/decode/otlp-proto-traces.ts';
import { scanOtlpJsonTraces } from '../collector/src/decode/otlp-json-traces.ts';
import { normalizeResourceSpans } from '../collector/src/decode/otlp-traces.ts';
import { normalizeZipkin } from '../collector/src/decode/zipkin.ts';
import { enrichSpan } from '../collector/src/enrich/enrich-span.ts';
import { defaultEnrichOptions } from '../collector/src/enrich/options.ts';
import { spanBlock } from '../collector/src/exporter/rows.ts';
import type { Decoded, Span } from '../collector/src/model/span.ts';
import { fixturesDir, otlpJsonToProtobuf } from './helpers/fixtures.ts';

// Strange values are ones JSON.parse can produce (so no null-prototype objects). Small limits so that every limit is crossed often; a seeded generator so a failure can be replayed.
const limits: DecodeLimits = { ...defaultDecodeLimits, maxSpansPerRequest: 64, maxAttributesPerSpan: 16, maxAttributeKeyLength: 32, maxAttributeValueLength: 64, maxEventsPerSpan: 4, maxLinksPerSpan: 4, maxAnyValueDepth: 3 };
const casesPerDecoder = { proto: 45_000, json: 35_000, zipkin: 30_000, jsonScan: 30_000 };

function rng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(items: T[]) => items[Math.floor(next() * items.length)]! };
}

const files = (kind: string) =>
  readdirSync(join(fixturesDir, kind)).flatMap((scenario) =>
    readdirSync(join(fixturesDir, kind, scenario))
      .filter((name) => name.endsWith('.json') && (kind === 'zipkin' ? name.startsWith('post_') : /^\d+_/.test(name)))
      .map((name) => readFileSync(join(fixturesDir, kind, scenario, name), 'utf8')),
  );
const otlpJson = files('otlp').filter((text) => text.includes('resourceSpans'));
const zipkinJson = files('zipkin');
const otlpProto = otlpJson.map((text) => Buffer.from(otlpJsonToProtobuf(text, 'traces')));

type Random = ReturnType<typeof rng>;

function mutateBytes(r: Random, input: Buffer): Buffer {
  const bytes = Buffer.from(input);
  const edits = 1 + r.int(8);
  let out = bytes;
  for (let i = 0; i < edits && out.length > 0; i++) {
    const at = r.int(out.length);
    switch (r.int(5)) {
      case 0:
        out[at] = r.int(256);
        break;
      case 1:
        out[at] = out[at]! ^ (1 << r.int(8));
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + r.int(16))]);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), out.subarray(r.int(out.length), r.int(out.length)), out.subarray(at)]);
        break;
      default:
        out = out.subarray(0, at);
    }
  }
  return out;
}

/** A mutated tree as JSON; a tree grown past what a string can hold is sent as `[]`. */
function stringified(tree: unknown, indent: number | undefined): Buffer {
  try {
    return Buffer.from(JSON.stringify(tree, null, indent));
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return Buffer.from('[]');
  }
}

/** Whitespace where JSON allows it, inside strings, names and words where it does not. */
function insertSpaces(r: Random, input: Buffer): Buffer {
  let out = input;
  for (let i = 0, edits = 1 + r.int(4); i < edits; i++) {
    const at = r.int(out.length + 1);
    out = Buffer.concat([out.subarray(0, at), Buffer.from(r.pick([' ', '\n', '\t', '\r', '  '])), out.subarray(at)]);
  }
  return out;
}

const strange: unknown[] = [null, true, 0, -1, 1e308, -0, 2 ** 64, '', 'x'.repeat(5000), '0'.repeat(32), 'ff', {}, [], [[[[[]]]]], { stringValue: 1 }, { kvlistValue: { values: [{ key: 'k', value: { arrayValue: { values: [{ kvlistValue: { values: [] } }] } } }] } }, '18446744073709551616', 'NaN', JSON.parse('{"__proto__":{"a":1}}')];

function randomValue(r: Random, depth = 0): unknown {
  if (depth > 3 || r.next() < 0.6) return r.pick(strange);
  if (r.next() < 0.5) return Array.from({ length: r.int(5) }, () => randomValue(r, depth + 1));
  return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(['traceId', 'spanId', 'value', 'attributes', 'key', 'spans', 'tags', 'timestamp', 'kind', 'events', 'links', 'x']), randomValue(r, depth + 1)]));
}

/** Replaces one randomly chosen node of a parsed fixture with a strange value. */
function mutateTree(r: Random, tree: unknown): unknown {
  const copy = structuredClone(tree);
  const nodes: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    for (const key of Object.keys(node)) {
      nodes.push([node as Record<string, unknown>, key]);
      walk((node as Record<string, unknown>)[key]);
    }
  };
  walk(copy);
  for (let i = 0, edits = 1 + r.int(3); i < edits && nodes.length > 0; i++) {
    const [parent, key] = r.pick(nodes);
    (parent as Record<string | number, unknown>)[key] = r.next() < 0.2 ? Array(200).fill((parent as Record<string | number, unknown>)[key]) : randomValue(r);
  }
  return copy;
}

interface Tally {
  cases: number;
  ok: number;
  malformed: number;
  rejectedItems: number;
  slowestMs: number;
  crashes: string[];
}

/** Runs one case; anything thrown other than MalformedRequest is a crash. Checks the limits held. */
function run(tally: Tally, decode: () => Decoded<Span>): void {
  const started = performance.now();
  tally.cases++;
  try {
    const decoded = decode();
    expect(decoded.items.length + decoded.rejected).toBeLessThanOrEqual(limits.maxSpansPerRequest + 10_000);
    const block = spanBlock();
    for (const span of decoded.items) {
      if (Object.keys(span.attributes).length > limits.maxAttributesPerSpan + 8) throw new Error('attribute limit not applied');
      if (span.events.length > limits.maxEventsPerSpan || span.links.length > limits.maxLinksPerSpan) throw new Error('event/link limit not applied');
      block.add(enrichSpan(span, defaultEnrichOptions));
    }
    block.encode();
    tally.ok++;
    tally.rejectedItems += decoded.rejected;
  } catch (error) {
    if (error instanceof MalformedRequest) tally.malformed++;
    else if (tally.crashes.length < 5) tally.crashes.push(`${(error as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
    else tally.crashes.push('');
  }
  tally.slowestMs = Math.max(tally.slowestMs, performance.now() - started);
}

const newTally = (): Tally => ({ cases: 0, ok: 0, malformed: 0, rejectedItems: 0, slowestMs: 0, crashes: [] });

function report(name: string, tally: Tally, heapBefore: number): void {
  const heapGrowthMb = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e6);
  console.log(`fuzz ${name}:`, { ...tally, crashes: tally.crashes.length, slowestMs: Math.round(tally.slowestMs), heapGrowthMb });
  expect(tally.crashes.filter(Boolean)).toEqual([]);
  expect(tally.crashes.length).toBe(0);
  expect(tally.slowestMs).toBeLessThan(1_000);
  expect(heapGrowthMb).toBeLessThan(200);
}

it(`OTLP protobuf decoder: ${casesPerDecoder.proto} random and mutated requests, no crash, hang or unbounded allocation`, () => {
  const r = rng(7);
  const tally = newTally();
  const heap = process.memoryUsage().heapUsed;
  for (let i = 0; i < casesPerDecoder.proto; i++) {
    const bytes = i % 10 === 0 ? Buffer.from(Array.from({ length: r.int(512) }, () => r.int(256))) : mutateBytes(r, r.pick(otlpProto));
    run(tally, () => decodeOtlpProtobufTraces(bytes, limits, { truncated: 0 } as AttributeStats));
  }
  report('otlp-proto', tally, heap);
});

it(`OTLP/JSON decoder: ${casesPerDecoder.json} mutated requests (bytes and structure)`, () => {
  const r = rng(11);
  const tally = newTally();
  const heap = process.memoryUsage().heapUsed;
  const parsed = otlpJson.map((text) => JSON.parse(text) as unknown);
  for (let i = 0; i < casesPerDecoder.json; i++) {
    const structural = i % 2 === 0;
    const text = structural ? '' : mutateBytes(r, Buffer.from(r.pick(otlpJson))).toString('utf8');
    run(tally, () => {
      let message: unknown;
      if (structural) message = mutateTree(r, r.pick(parsed));
      else {
        try {
          message = JSON.parse(text);
        } catch (error) {
          throw new MalformedRequest((error as Error).message);
        }
      }
      return normalizeResourceSpans(message, 'json', limits, { truncated: 0 });
    });
  }
  report('otlp-json', tally, heap);
});

it(`OTLP/JSON scanner: ${casesPerDecoder.jsonScan} mutated requests read exactly as JSON.parse and the general reader read them, or left to them`, () => {
  const r = rng(17);
  const parsed = otlpJson.map((text) => JSON.parse(text) as unknown);
  // The fixtures with the words true, false and null where the scanner reads a value and where it skips one.
  const withWords = otlpJson.map((text) =>
    text
      .replace(/"spanId": ("[0-9a-f]+")/g, '"spanId": $1, "x": [true, false, null], "traceState": null')
      .replace(/"attributes": \[/g, '"attributes": [{"key": "sampled", "value": {"boolValue": true}}, '),
  );
  const bodies = [...otlpJson, ...withWords, ...parsed.map((tree) => JSON.stringify(tree))].map((text) => Buffer.from(text));
  const tally = { read: 0, left: 0, differ: [] as string[] };
  for (let i = 0; i < casesPerDecoder.jsonScan; i++) {
    const body = i % 3 === 0 ? stringified(mutateTree(r, r.pick(parsed)), r.pick([undefined, 1])) : i % 3 === 1 ? mutateBytes(r, r.pick(bodies)) : insertSpaces(r, r.pick(bodies));
    const scanStats = { truncated: 0 };
    const scanned = scanOtlpJsonTraces(body, limits, scanStats);
    if (scanned === undefined) {
      tally.left++;
      continue;
    }
    tally.read++;
    const referenceStats = { truncated: 0 };
    let reference: unknown;
    try {
      reference = normalizeResourceSpans(JSON.parse(body.toString('utf8')), 'json', limits, referenceStats);
    } catch (error) {
      reference = error;
    }
    if (!isDeepStrictEqual(scanned, reference) || scanStats.truncated !== referenceStats.truncated) tally.differ.push(body.toString('utf8').slice(0, 2000));
  }
  console.log('fuzz otlp-json scanner:', { read: tally.read, left: tally.left, differ: tally.differ.length });
  expect(tally.differ.slice(0, 1)).toEqual([]);
  // Most mutations break a span or the JSON, but a scanner that left every body to JSON.parse would prove nothing.
  expect(tally.read).toBeGreaterThan(casesPerDecoder.jsonScan / 10);
  for (const body of bodies) expect(scanOtlpJsonTraces(body, limits, { truncated: 0 })).toBeDefined();
});

it(`Zipkin v2 decoder: ${casesPerDecoder.zipkin} mutated requests (bytes and structure)`, () => {
  const r = rng(13);
  const tally = newTally();
  const heap = process.memoryUsage().heapUsed;
  const parsed = zipkinJson.map((text) => JSON.parse(text) as unknown);
  for (let i = 0; i < casesPerDecoder.zipkin; i++) {
    const structural = i % 2 === 0;
    const text = structural ? '' : mutateBytes(r, Buffer.from(r.pick(zipkinJson))).toString('utf8');
    run(tally, () => {
      let body: unknown;
      if (structural) body = mutateTree(r, r.pick(parsed));
      else {
        try {
          body = JSON.parse(text);
        } catch (error) {
          throw new MalformedRequest((error as Error).message);
        }
      }
      return normalizeZipkin(body, limits, { truncated: 0 });
    });
  }
  report('zipkin', tally, heap);
});
