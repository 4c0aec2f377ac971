import { expect, it } from 'vitest';
import { Utf8Cache } from './utf8-cache.ts';

it('remembers a string by its bytes, not by the buffer they were read from', () => {
  // One slot: every string competes for the same entry, so a stale entry would be returned for any match.
  const cache = new Utf8Cache(1, 64);
  const body = Buffer.from('alpha');
  expect(cache.get(body, 0, 5)).toBe('alpha');
  body.write('omega');
  expect(cache.get(Buffer.from('omega'), 0, 5)).toBe('omega');
  expect(cache.get(Buffer.from('xomegax'), 1, 6)).toBe('omega');
  expect(cache.get(Buffer.from('grüße'), 0, Buffer.byteLength('grüße'))).toBe('grüße');
});
