import { expect, it } from 'vitest';
import { Utf8Cache } from './utf8-cache.ts';

it('remembers a string by its bytes, not by the buffer they were read from', () => {
  // One slot: every string competes for the same entry, so a stale entry would be returned for any match.
  const cache = new Utf8Cache(1, 64);
  const body = Buffer.from('alpha');
  // A string is kept the second time it is seen.
  expect(cache.get(body, 0, 5)).toBe('alpha');
  expect(cache.get(body, 0, 5)).toBe('alpha');
  body.write('omega');
  expect(cache.get(body, 0, 5)).toBe('omega');
  expect(cache.get(Buffer.from('xomegax'), 1, 6)).toBe('omega');
  expect(cache.get(Buffer.from('xomegax'), 1, 6)).toBe('omega');
  expect(cache.get(Buffer.from('alpha'), 0, 5)).toBe('alpha');
});

it('decodes text that is not ASCII, or not valid UTF-8, the same way every time', () => {
  const cache = new Utf8Cache(1, 64);
  for (const bytes of [Buffer.from('grüße'), Buffer.from([0x61, 0xff, 0x62, 0xfe, 0x63]), Buffer.from('東京')]) {
    const expected = bytes.toString('utf8');
    for (let i = 0; i < 3; i++) expect(cache.get(bytes, 0, bytes.length)).toBe(expected);
  }
});
