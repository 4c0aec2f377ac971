import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcStatus } from '../collector/src/decode/otlp-proto.ts';
import { postJson, startTestCollector, type TestCollector } from './helpers/collector.ts';

// Each malformed request gets its documented status and a message that says what was wrong; spans
// accepted before and after it are all stored.
let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector({}, undefined);
});
afterAll(async () => {
  await collector?.close();
});

const span = (traceId: string, spanId: string) => ({
  traceId,
  spanId,
  name: 'GET /',
  kind: 2,
  startTimeUnixNano: '1773483362555700000',
  endTimeUnixNano: '1773483362556700000',
});
const request = (...spans: object[]) => ({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bad-input' } }] }, scopeSpans: [{ spans }] }] });
const traces = () => collector.url('otlpHttp', '/v1/traces');
let sequence = 0;
const ids = () => {
  sequence++;
  return [sequence.toString(16).padStart(32, 'a'), sequence.toString(16).padStart(16, 'b')] as const;
};

async function stored(traceId: string): Promise<number> {
  const rows = await collector.query<{ n: string }>('SELECT count() AS n FROM otel_traces WHERE TraceId = {t:String}', { t: traceId });
  return Number(rows[0]!.n);
}

describe('bad input is refused clearly and harms nothing else', () => {
  const good: string[] = [];
  const sendGood = async () => {
    const [t, s] = ids();
    expect((await postJson(traces(), request(span(t, s)))).status).toBe(200);
    good.push(t);
  };

  const cases: [string, () => Promise<Response>, number, RegExp][] = [
    ['malformed protobuf', () => fetch(traces(), { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]) }), 400, /not a valid protobuf/],
    ['malformed JSON', () => postJson(traces(), '{"resourceSpans": ['), 400, /not valid JSON/],
    ['JSON of the wrong shape', () => postJson(traces(), '{"resourceSpans": 7}'), 400, /must be a list/],
    ['an empty JSON body', () => postJson(traces(), ''), 400, /body is empty/],
    ['a wrong content type', () => fetch(traces(), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }), 415, /not supported; use application\/x-protobuf or application\/json/],
    ['a GET', () => fetch(traces()), 405, /GET is not allowed/],
    ['a body over the limit', () => postJson(traces(), JSON.stringify({ pad: 'x'.repeat(21 * 1024 * 1024) })), 413, /larger than \d+ bytes after decompression/],
    ['a gzip bomb', () => fetch(traces(), { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)) }), 413, /inflates more than|after decompression/],
    ['a corrupt gzip stream', () => fetch(traces(), { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: Buffer.from('not gzip at all') }), 400, /./],
    ['a Zipkin body that is not an array', () => postJson(collector.url('zipkin', '/api/v2/spans'), '{"traceId":"1"}'), 400, /JSON array of spans/],
  ];

  it.each(cases)('%s', async (_name, send, status, message) => {
    await sendGood();
    const response = await send();
    expect(response.status).toBe(status);
    // OTLP answers errors as a google.rpc.Status in the request's encoding.
    const bytes = new Uint8Array(await response.arrayBuffer());
    const body = (response.headers.get('content-type') ?? '').includes('protobuf')
      ? (RpcStatus.toObject(RpcStatus.decode(bytes)) as { message: string })
      : (JSON.parse(Buffer.from(bytes).toString('utf8')) as { message: string });
    expect(body.message).toMatch(message);
    await sendGood();
  });

  it('rejects spans with bad hex ids through partial success and stores the rest', async () => {
    const [t, s] = ids();
    const response = await postJson(traces(), request(span(t, s), span('zz' + t.slice(2), s), span(t.slice(0, 30), s), span(t, '0000000000000000')));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedSpans).toBe('3');
    expect(body.partialSuccess.errorMessage).toMatch(/traceId "zz.*" is not 32 hex digits/);
    expect(body.partialSuccess.errorMessage).toMatch(/spanId is missing or all zero/);
    expect(await stored(t)).toBe(1);
  });

  it('reads a Zipkin body as JSON whatever its Content-Type, as Zipkin does', async () => {
    for (const headers of [{ 'content-type': 'text/plain' }, {}] as Record<string, string>[]) {
      sequence++;
      const span = { traceId: sequence.toString(16).padStart(32, 'e'), id: '00000000000000e1', name: 'zipkin', timestamp: 1773483362555700, duration: 5 };
      const response = await fetch(collector.url('zipkin', '/api/v2/spans'), { method: 'POST', headers, body: Buffer.from(JSON.stringify([span])) });
      expect(response.status).toBe(202);
      expect(await stored(span.traceId)).toBe(1);
    }
  });

  it('answers an empty protobuf request (no spans) with 200 and stores nothing', async () => {
    const response = await fetch(traces(), { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.alloc(0) });
    expect(response.status).toBe(200);
  });

  it('stored every span accepted around the bad requests', async () => {
    expect(good.length).toBe(cases.length * 2);
    for (const traceId of good) expect(await stored(traceId)).toBe(1);
  });
});
