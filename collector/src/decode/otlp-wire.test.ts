import { readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { generateTraffic } from '../../../test/generator/traffic.ts';
import { otlpJsonToProtobuf, readFixture, scenarioBodies } from '../../../test/helpers/fixtures.ts';
import { Random } from '../../../test/generator/random.ts';
import { defaultDecodeLimits, MalformedRequest, RejectedItem, type DecodeLimits } from './limits.ts';
import { LogsRequest, TraceRequest } from './otlp-proto.ts';
import { decodeOtlpProtobufTraces } from './otlp-proto-traces.ts';
import { decodeOtlpProtobufLogs } from './otlp-wire.ts';
import { normalizeResourceLogs } from './otlp-logs.ts';
import { normalizeResourceSpans } from './otlp-traces.ts';

// The reference is protobufjs decoding the same bytes from the .proto, then the normalisation OTLP/JSON
// goes through: the wire readers must give the collector the same spans and log records, field for
// field, the same rejections and the same count of values cut at a limit.
const viaProtobufjs = (signal: 'traces' | 'logs', bytes: Uint8Array, limits: DecodeLimits = defaultDecodeLimits) => {
  const stats = { truncated: 0 };
  const decoded = signal === 'traces' ? normalizeResourceSpans(TraceRequest.decode(bytes), 'proto', limits, stats) : normalizeResourceLogs(LogsRequest.decode(bytes), 'proto', limits, stats);
  return { ...decoded, truncated: stats.truncated };
};
const viaWire = (signal: 'traces' | 'logs', bytes: Uint8Array, limits: DecodeLimits = defaultDecodeLimits) => {
  const stats = { truncated: 0 };
  const decoded = signal === 'traces' ? decodeOtlpProtobufTraces(bytes, limits, stats) : normalizeResourceLogs(decodeOtlpProtobufLogs(bytes), 'proto', limits, stats);
  return { ...decoded, truncated: stats.truncated };
};

const s = (key: string, value: Record<string, unknown>) => ({ key, value });
const oddSpan = {
  resourceSpans: [
    {
      resource: { attributes: [s('service.name', { stringValue: 'ünïcödé-svc' })], droppedAttributesCount: 3 },
      scopeSpans: [
        {
          scope: { name: 'scope', version: '1.2', attributes: [s('scope.attr', { boolValue: true })] },
          spans: [
            {
              traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'),
              spanId: Buffer.from('b7ad6b7169203331', 'hex'),
              parentSpanId: Buffer.from('00f067aa0ba902b7', 'hex'),
              traceState: 'rojo=00f067aa0ba902b7',
              name: 'x'.repeat(40),
              kind: 3,
              startTimeUnixNano: '1795792123000000001',
              endTimeUnixNano: '1795792123500000000',
              flags: 257,
              attributes: [
                s('negative', { intValue: '-9223372036854775808' }),
                s('big', { intValue: '9223372036854775807' }),
                s('ratio', { doubleValue: -0.125 }),
                s('raw', { bytesValue: Buffer.from([0, 1, 254, 255]) }),
                s('off', { boolValue: false }),
                s('empty', {}),
                s('list', { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '7' }, { arrayValue: { values: [{ doubleValue: 1e300 }] } }] } }),
                s('map', { kvlistValue: { values: [s('k', { stringValue: 'v' }), s('n', { kvlistValue: { values: [] } })] } }),
                { key: 'no value' },
              ],
              events: [{ timeUnixNano: '1795792123000000002', name: 'exception', attributes: [s('exception.type', { stringValue: 'E' })] }],
              links: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), traceState: 'a=b', attributes: [s('l', { stringValue: '1' })], flags: 1 }],
              status: { code: 2, message: 'upstream reset' },
            },
          ],
        },
      ],
    },
  ],
};

it('decodes every Istio OTLP fixture, generated traffic and unusual values exactly as protobufjs does', () => {
  const bodies: ['traces' | 'logs', Uint8Array][] = [];
  for (const scenario of readdirSync(new URL('../../../test/fixtures/istio/otlp/', import.meta.url))) {
    for (const body of scenarioBodies('otlp', scenario)) bodies.push(['traces', otlpJsonToProtobuf(body, 'traces')]);
  }
  bodies.push(['logs', otlpJsonToProtobuf(readFixture('access_logs/denied_403_authz_at_reviews.otel_als.reviews.json'), 'logs')]);
  for (const batch of generateTraffic({ requests: 300, seed: 5, startMs: Date.UTC(2026, 10, 1) }).batches) {
    if (batch.receiver === 'otlp-json' || batch.receiver === 'otlp-proto') bodies.push(['traces', otlpJsonToProtobuf(batch.body, 'traces')]);
    if (batch.receiver === 'logs') bodies.push(['logs', otlpJsonToProtobuf(batch.body, 'logs')]);
  }
  bodies.push(['traces', TraceRequest.encode(TraceRequest.fromObject(oddSpan)).finish()]);
  expect(bodies.filter(([signal]) => signal === 'logs').length).toBeGreaterThanOrEqual(2);
  let items = 0;
  for (const [signal, bytes] of bodies) {
    const expected = viaProtobufjs(signal, bytes);
    expect(viaWire(signal, bytes)).toEqual(expected);
    items += expected.items.length;
  }
  expect(items).toBeGreaterThan(500);
});

it('keeps attributes named like Object.prototype members, and lists each key once in the order it arrived', () => {
  const attributes = [
    s('__proto__', { stringValue: 'p' }),
    s('constructor', { stringValue: 'c' }),
    s('toString', { intValue: '1' }),
    s('constructor', { stringValue: 'again' }),
    s('hasOwnProperty', { boolValue: true }),
  ];
  const json = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'GET', attributes }] }] }] };
  const bytes = otlpJsonToProtobuf(JSON.stringify(json), 'traces');
  for (const [name, decoded] of [
    ['protobuf', decodeOtlpProtobufTraces(bytes, defaultDecodeLimits, { truncated: 0 })],
    ['OTLP/JSON', normalizeResourceSpans(json, 'json', defaultDecodeLimits, { truncated: 0 })],
  ] as const) {
    const span = decoded.items[0]!;
    expect(span.attributeKeys, name).toEqual(['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
    expect(Object.entries(span.attributes), name).toEqual([
      ['__proto__', 'p'],
      ['constructor', 'again'],
      ['toString', '1'],
      ['hasOwnProperty', 'true'],
    ]);
  }
  // The limit counts distinct keys; once it is reached every later pair is cut and counted, a repeat too.
  const limits = { ...defaultDecodeLimits, maxAttributesPerSpan: 3 };
  const stats = { truncated: 0 };
  const cut = decodeOtlpProtobufTraces(bytes, limits, stats).items[0]!;
  expect(cut.attributeKeys).toEqual(['__proto__', 'constructor', 'toString']);
  expect(cut.attributes.constructor).toBe('c');
  expect(stats.truncated).toBe(2);
  expect(viaWire('traces', bytes, limits)).toEqual(viaProtobufjs('traces', bytes, limits));
});

it('skips unknown fields and fields of an unexpected wire type, and reads a repeated message split across the body', () => {
  const one = Buffer.from(TraceRequest.encode(TraceRequest.fromObject(oddSpan)).finish());
  // Field 99 as a varint and field 1 as a fixed32 (wrong type for resource_spans) are skipped.
  const noise = Buffer.from([0x98, 0x06, 0x2a, 0x0d, 1, 2, 3, 4]);
  const bytes = Buffer.concat([noise, one, noise, one]);
  const decoded = viaWire('traces', bytes);
  expect(decoded.items).toHaveLength(2);
  expect(decoded).toEqual(viaProtobufjs('traces', Buffer.concat([one, one])));
});

/** A length-delimited field: tag, varint length, payload. */
function field(number: number, payload: Buffer): Buffer {
  const varint = (value: number) => {
    const bytes: number[] = [];
    for (; value >= 0x80; value = Math.floor(value / 128)) bytes.push((value % 128) | 0x80);
    bytes.push(value);
    return Buffer.from(bytes);
  };
  return Buffer.concat([varint(number * 8 + 2), varint(payload.length), payload]);
}

it('refuses truncated, overlong, group-encoded and too deeply nested bodies as malformed requests', () => {
  const one = Buffer.from(TraceRequest.encode(TraceRequest.fromObject(oddSpan)).finish());
  // Built by hand: protobufjs itself refuses to encode values nested this deep.
  let nested = field(1, Buffer.from('bottom'));
  for (let i = 0; i < 100; i++) nested = field(5, field(1, nested));
  const span = Buffer.concat([field(1, Buffer.alloc(16, 1)), field(2, Buffer.alloc(8, 1)), field(9, Buffer.concat([field(1, Buffer.from('deep')), field(2, nested)]))]);
  const deep = field(1, field(2, field(2, span)));
  const cases: [string, Uint8Array, RegExp][] = [
    ['truncated', one.subarray(0, one.length - 3), /runs past the end/],
    ['a length beyond the body', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), /runs past the end/],
    ['an 11-byte varint', Buffer.from([0x08, ...Array(10).fill(0xff), 0x01]), /longer than 10 bytes/],
    ['a group', Buffer.from([0x0b, 0x0c]), /wire type 3/],
    ['field number 0', Buffer.from([0x02, 0x00]), /field number is 0/],
    ['nested 100 levels', deep, /deeper than 64/],
  ];
  for (const [name, bytes, message] of cases) {
    let error: unknown;
    try {
      decodeOtlpProtobufTraces(bytes, defaultDecodeLimits, { truncated: 0 });
    } catch (caught) {
      error = caught;
    }
    expect(error, name).toBeInstanceOf(MalformedRequest);
    expect((error as Error).message, name).toMatch(/^the body is not a valid protobuf ExportTraceServiceRequest: /);
    expect((error as Error).message, name).toMatch(message);
  }
});

it('agrees with protobufjs at tight limits and on mutated bodies, wherever both can read them', () => {
  const tight: DecodeLimits = { maxSpansPerRequest: 7, maxAttributesPerSpan: 5, maxAttributeKeyLength: 8, maxAttributeValueLength: 10, maxEventsPerSpan: 1, maxLinksPerSpan: 1, maxAnyValueDepth: 1 };
  const odd = Buffer.from(TraceRequest.encode(TraceRequest.fromObject(oddSpan)).finish());
  const bodies = [odd, Buffer.concat([odd, odd, odd, odd, odd, odd, odd, odd])];
  for (const batch of generateTraffic({ requests: 60, seed: 9, startMs: Date.UTC(2026, 10, 1) }).batches) {
    if (batch.receiver === 'otlp-json' || batch.receiver === 'otlp-proto') bodies.push(Buffer.from(otlpJsonToProtobuf(batch.body, 'traces')));
  }
  // A span rejected for its id while one of its values is also too deep, then another resource.
  const broken = structuredClone(oddSpan);
  const first = broken.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  first.traceId = Buffer.alloc(3, 1);
  first.attributes.unshift(s('deep', { arrayValue: { values: [{ arrayValue: { values: [{ stringValue: 'x' }] } }] } }));
  broken.resourceSpans.push(structuredClone(oddSpan).resourceSpans[0]!);
  bodies.push(Buffer.from(TraceRequest.encode(TraceRequest.fromObject(broken)).finish()));
  for (const bytes of bodies) expect(viaWire('traces', bytes, tight)).toEqual(viaProtobufjs('traces', bytes, tight));

  const rng = new Random(23);
  let compared = 0;
  let rejections = 0;
  for (let i = 0; i < 3000; i++) {
    const bytes = Buffer.from(bodies[rng.int(bodies.length)]!);
    for (let flips = 1 + rng.int(3); flips > 0; flips--) bytes[rng.int(bytes.length)] = rng.int(256);
    const limits = i % 2 === 0 ? tight : defaultDecodeLimits;
    let expected: ReturnType<typeof viaProtobufjs>;
    try {
      expected = viaProtobufjs('traces', bytes, limits);
    } catch (error) {
      // protobufjs refuses what the wire reader may skip (an unknown wire type in an unknown field), and the reverse.
      if (error instanceof Error && !(error instanceof RejectedItem)) continue;
      throw error;
    }
    let actual: ReturnType<typeof viaWire>;
    try {
      actual = viaWire('traces', bytes, limits);
    } catch (error) {
      if (error instanceof MalformedRequest) continue;
      throw error;
    }
    expect(actual).toEqual(expected);
    compared++;
    rejections += expected.rejected;
  }
  expect(compared).toBeGreaterThan(500);
  expect(rejections).toBeGreaterThan(20);
});
