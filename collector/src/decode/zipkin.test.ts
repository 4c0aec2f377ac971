import { expect, it } from 'vitest';
import { defaultDecodeLimits, type DecodeLimits } from './limits.ts';
import { normalizeZipkin } from './zipkin.ts';

const span = (tags: string) => ({
  traceId: '5af7183fb1d4cf5f',
  id: '352bff9a74ca9ad2',
  name: 'get /api',
  timestamp: 1_773_483_362_555_700,
  duration: 5,
  kind: 'SERVER',
  localEndpoint: { serviceName: 'reviews', ipv4: '10.0.0.7', port: 9080 },
  tags,
});

/** `tags` as JSON text, so that it can hold any key a sender can send, `__proto__` included. */
function attributesOf(tags: string, limits: DecodeLimits = defaultDecodeLimits) {
  const stats = { truncated: 0 };
  const decoded = normalizeZipkin(JSON.parse(JSON.stringify([span('TAGS')]).replace('"TAGS"', tags)), limits, stats);
  expect(decoded.rejected).toBe(0);
  return { attributes: decoded.items[0]!.attributes, truncated: stats.truncated };
}

it('keeps string tags as they are, in their order, and adds the endpoint', () => {
  const { attributes, truncated } = attributesOf('{"http.method":"GET","__proto__":"kept","node_id":"sidecar~10.0.0.7~reviews","error":"boom"}');
  expect(Object.entries(attributes)).toEqual([
    ['http.method', 'GET'],
    ['__proto__', 'kept'],
    ['node_id', 'sidecar~10.0.0.7~reviews'],
    ['error', 'boom'],
    ['zipkin.local_endpoint.ipv4', '10.0.0.7'],
    ['zipkin.local_endpoint.port', '9080'],
  ]);
  expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
  expect(truncated).toBe(0);
});

it('renders tags that are not strings as JSON and cuts what is over a limit, counting each cut', () => {
  const rendered = attributesOf('{"a":"x","n":5,"flag":true,"nested":{"k":[1,"two"]},"__proto__":7}').attributes;
  expect(Object.entries(rendered).slice(0, 5)).toEqual([
    ['a', 'x'],
    ['n', '5'],
    ['flag', 'true'],
    ['nested', '{"k":[1,"two"]}'],
    ['__proto__', '7'],
  ]);

  const limits = { ...defaultDecodeLimits, maxAttributesPerSpan: 2, maxAttributeKeyLength: 4, maxAttributeValueLength: 3 };
  const { attributes, truncated } = attributesOf('{"alpha":"abcdef","b":"ok","c":"x"}', limits);
  expect(Object.entries(attributes).slice(0, 3)).toEqual([
    ['alph', 'abc'],
    ['b', 'ok'],
    ['zipkin.local_endpoint.ipv4', '10.0.0.7'],
  ]);
  // The key and the value of `alpha`, and `c` past the count.
  expect(truncated).toBe(3);
});

it('refuses a kind named after a member of every object instead of storing that member', () => {
  for (const kind of ['toString', '__proto__', 'constructor']) {
    const decoded = normalizeZipkin([{ ...span('TAGS'), tags: {}, kind }], defaultDecodeLimits, { truncated: 0 });
    expect([kind, decoded.items.length, decoded.rejected, decoded.rejectReasons[0]]).toEqual([kind, 0, 1, `kind "${kind}" is not CLIENT, SERVER, PRODUCER or CONSUMER`]);
  }
});
