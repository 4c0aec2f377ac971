import { isDeepStrictEqual } from 'node:util';
import { expect, it } from 'vitest';
import type { Decoded, Span } from '../model/span.ts';
import { defaultDecodeLimits, type DecodeLimits } from './limits.ts';
import { scanOtlpJsonTraces } from './otlp-json-traces.ts';
import { normalizeResourceSpans } from './otlp-traces.ts';

/**
 * The scanner against the general reader (JSON.parse, then normalizeResourceSpans) on one body: when
 * the scanner reads it, both give the same spans and count the same truncations.
 */
function compare(body: Buffer | string, limits: DecodeLimits = defaultDecodeLimits): { scanned: Decoded<Span> | undefined; reference: Decoded<Span> | Error } {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const scanStats = { truncated: 0 };
  const referenceStats = { truncated: 0 };
  const scanned = scanOtlpJsonTraces(bytes, limits, scanStats);
  let reference: Decoded<Span> | Error;
  try {
    reference = normalizeResourceSpans(JSON.parse(bytes.toString('utf8')), 'json', limits, referenceStats);
  } catch (error) {
    reference = error as Error;
  }
  if (scanned !== undefined && !(isDeepStrictEqual(scanned, reference) && scanStats.truncated === referenceStats.truncated)) {
    expect({ scanned, truncated: scanStats.truncated }).toEqual({ scanned: reference, truncated: referenceStats.truncated });
  }
  return { scanned, reference };
}

const attribute = (key: string, value: unknown) => ({ key, value });
const span = (extra: Record<string, unknown> = {}) => ({
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  parentSpanId: 'eee19b7ec3c1b173',
  name: 'ingress',
  kind: 2,
  startTimeUnixNano: '1544712660000000000',
  endTimeUnixNano: '1544712661000000000',
  attributes: [attribute('http.method', { stringValue: 'GET' }), attribute('http.status_code', { intValue: '200' })],
  status: {},
  ...extra,
});
const request = (spans: unknown[], resource: unknown = { attributes: [attribute('service.name', { stringValue: 'reviews' })] }) => ({
  resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'envoy', version: '1.36' }, spans }] }],
});

it('reads what OpenTelemetry exporters send, compact or indented, as the general reader does', () => {
  const body = request([span(), span({ spanId: 'eee19b7ec3c1b175', events: [{ timeUnixNano: '1544712660500000000', name: 'retry', attributes: [attribute('n', { intValue: 1 })] }] })]);
  for (const text of [JSON.stringify(body), JSON.stringify(body, null, 2), JSON.stringify(body, null, '\t').replaceAll('\n', '\r\n')]) {
    const { scanned } = compare(text);
    expect(scanned?.items).toHaveLength(2);
    expect(scanned?.items[0]?.attributes).toEqual({ 'http.method': 'GET', 'http.status_code': '200' });
    expect(scanned?.items[0]?.resource).toEqual({ 'service.name': 'reviews' });
    expect(scanned?.items[1]?.events[0]?.attributes).toEqual({ n: '1' });
  }
});

it('reads every kind of AnyValue, escapes and unusual members as the general reader does', () => {
  const values = [
    { stringValue: '' },
    { stringValue: 'caf\u00e9 \u{1f642} "quoted" back\\slash \u0000' },
    { boolValue: true },
    { intValue: '-9223372036854775808' },
    { intValue: 42 },
    { doubleValue: 0.5 },
    { doubleValue: 1e300 },
    { bytesValue: 'AAEC' },
    { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1 }] } },
    { kvlistValue: { values: [{ key: 'k', value: { boolValue: false } }] } },
    { kvlistValue: { values: [{ key: '__proto__', value: { kvlistValue: { values: [{ key: 'x', value: { stringValue: 'y' } }] } } }] } },
    { stringValue: 'first', intValue: '2' },
    { intValue: '2', stringValue: 'last' },
    {},
    null,
  ];
  const attributes = [
    ...values.map((value, i) => attribute(`k${i}`, value)),
    { value: { stringValue: 'no key' } },
    attribute('', { stringValue: 'empty key' }),
    { value: { stringValue: 'value first' }, key: 'reordered' },
    { key: 'no value' },
    attribute('k0', { stringValue: 'repeated key' }),
    attribute('esc\\u0061ped "key"', { stringValue: 'x' }),
    attribute('__proto__', { stringValue: 'kept' }),
  ];
  const spans = [
    span({ attributes, kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_ERROR', message: 'boom' }, traceState: 'a=b', flags: 257, droppedAttributesCount: 3 }),
    span({ spanId: 'EEE19B7EC3C1B176', parentSpanId: null, startTimeUnixNano: 1544712660000000000, endTimeUnixNano: '1', status: { code: 1 } }),
    span({ spanId: 'eee19b7ec3c1b177', parentSpanId: '', kind: null, links: [{ traceId: '5b8efff798038103d269b633813fc60d', spanId: 'eee19b7ec3c1b178', attributes: [] }] }),
  ];
  const text = JSON.stringify(request(spans)).replace('esc\\\\u0061ped', 'esc\\u0061ped');
  const { scanned } = compare(text);
  expect(scanned?.items).toHaveLength(3);
  expect(scanned?.items[0]?.attributes['esc\u0061ped "key"']).toBe('x');
  expect(Object.getPrototypeOf(scanned?.items[0]?.attributes)).toBe(null);
  // A map entry named __proto__ is kept as a member, not taken for the map's prototype.
  expect(scanned?.items[0]?.attributes.k10).toBe('{"__proto__":{"x":"y"}}');
});

it('refuses a kind or status code named after a member of every object, in both readers', () => {
  for (const extra of [{ kind: 'toString' }, { kind: '__proto__' }, { status: { code: 'constructor' } }]) {
    const { scanned, reference } = compare(JSON.stringify(request([span(extra)])));
    expect(scanned).toBeUndefined();
    expect(reference).toMatchObject({ items: [], rejected: 1 });
  }
});

it('counts the same truncations at the limits', () => {
  const limits = { ...defaultDecodeLimits, maxAttributesPerSpan: 3, maxAttributeKeyLength: 4, maxAttributeValueLength: 5, maxEventsPerSpan: 1, maxLinksPerSpan: 1 };
  const attributes = Array.from({ length: 6 }, (_, i) => attribute(`k${i}-long`, { stringValue: 'a long value' }));
  const events = [{ name: 'a' }, { name: 'b' }];
  const links = [{ traceId: '5b8efff798038103d269b633813fc60d', spanId: 'eee19b7ec3c1b178' }, { traceId: '5b8efff798038103d269b633813fc60d', spanId: 'eee19b7ec3c1b179' }];
  const { scanned } = compare(JSON.stringify(request([span({ attributes, events, links })])), limits);
  expect(scanned?.items[0]?.attributeKeys).toEqual(['k0-l', 'k1-l', 'k2-l']);
  expect(scanned?.items[0]?.attributes['k0-l']).toBe('a lon');
  expect(scanned?.items[0]?.events).toHaveLength(1);
});

it('leaves to the general reader what it does not follow, and that reader decides', () => {
  const cases: [string, string][] = [
    ['snake_case names', JSON.stringify({ resource_spans: request([span()]).resourceSpans })],
    ['spans before their resource', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span()] }], resource: { attributes: [attribute('service.name', { stringValue: 'late' })] } }] })],
    ['a repeated list', JSON.stringify(request([span()])).replace('{"resourceSpans":', '{"resourceSpans":[],"resourceSpans":')],
    ['a span that is refused', JSON.stringify(request([span({ traceId: 'not hex' }), span()]))],
    ['a malformed resource', JSON.stringify(request([span()], { attributes: 'broken' }))],
    ['invalid JSON', JSON.stringify(request([span()])).slice(0, -1)],
    ['not an object', '[]'],
    ['an empty body', ''],
  ];
  for (const [what, text] of cases) {
    const { scanned, reference } = compare(text);
    expect([what, scanned]).toEqual([what, undefined]);
    expect(reference).toBeDefined();
  }
});

it('refuses every proper prefix of a body, as JSON.parse does', () => {
  const text = JSON.stringify(request([span()]), null, 1);
  for (let end = 0; end < text.trimEnd().length; end++) expect([end, compare(text.slice(0, end)).scanned]).toEqual([end, undefined]);
});
