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

it('tells apart strings that differ in any one byte, read from anywhere in a buffer that is itself a slice', () => {
  const cache = new Utf8Cache(1, 64);
  for (let length = 0; length <= 64; length++) {
    for (let at = 0; at < Math.max(length, 1); at++) {
      const same = 'a'.repeat(length);
      const other = length === 0 ? '' : `${same.slice(0, at)}b${same.slice(at + 1)}`;
      // Offsets 1 apart from each other, in a buffer that starts 3 bytes into its memory.
      const slice = Buffer.from(`xyz${same}|${other}`).subarray(3);
      const read = (text: 'same' | 'other') => (text === 'same' ? cache.get(slice, 0, length) : cache.get(slice, length + 1, 2 * length + 1));
      expect([read('same'), read('same'), read('other'), read('same'), read('other')]).toEqual([same, same, other, same, other]);
    }
  }
});
