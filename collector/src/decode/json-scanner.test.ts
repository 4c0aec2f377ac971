import { expect, it } from 'vitest';
import { JsonPattern, JsonScanner, unscannable } from './json-scanner.ts';

function scans(text: string): { ok: true; value: unknown } | { ok: false } {
  const s = new JsonScanner(Buffer.from(text));
  try {
    const value = s.value();
    s.end();
    return { ok: true, value };
  } catch (error) {
    if (error !== unscannable) throw error;
    return { ok: false };
  }
}

function parses(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

const documents = [
  '{}',
  ' { } ',
  '\t\r\n[ ]\n',
  '{"a":1,"b":[true,false,null],"c":{"d":"e"}}',
  '-0',
  '0',
  '-12.5e+3',
  '1E-7',
  '01',
  '1.',
  '.5',
  '-',
  '+1',
  '1e',
  '0x10',
  'NaN',
  'Infinity',
  'tru',
  'truex',
  't rue',
  '[fal se]',
  '{"a":nu ll}',
  'nul',
  '"\\u00e9\\n\\t\\"\\\\\\/\\b\\f\\r"',
  '"\\ud800"',
  '"\\x41"',
  '"\\u12"',
  '"\\u12G4"',
  '"raw\u0001control"',
  '"raw\ttab"',
  '"é and 🙂"',
  '"unterminated',
  '"trailing backslash\\',
  '[1,]',
  '[,1]',
  '{"a":1,}',
  '{,}',
  '{"a"}',
  '{"a" 1}',
  '{a:1}',
  "{'a':1}",
  '{"a":1}}',
  '[1] [2]',
  '',
  '   ',
  '\ufeff{}',
  '[[[[[[[[[[]]]]]]]]]]',
  '{"a":{"b":{"c":[{"d":[1,2,{"e":"f"}]}]}}}',
];

it('accepts exactly what JSON.parse accepts, and reads the same value', () => {
  for (const text of documents) expect([text, scans(text)]).toEqual([text, parses(text)]);
});

it('finds where a string ends, escapes or breaks the rules at any byte, among any other bytes', () => {
  for (const special of ['"', '\\"', '\\\\', '\\n', '\\u00e9', '\u0001', '\u001f', 'é', '\u00ff', '東']) {
    for (let at = 0; at < 12; at++) {
      for (const filler of ['x', 'ü']) {
        const text = `"${filler.repeat(at)}${special}${'y'.repeat(11 - at)}"`;
        expect([text, scans(text)]).toEqual([text, parses(text)]);
      }
    }
  }
});

it('leaves nesting past its depth to JSON.parse instead of recursing without bound', () => {
  const deep = '['.repeat(10_000) + ']'.repeat(10_000);
  expect(parses(deep).ok).toBe(true);
  expect(scans(deep).ok).toBe(false);
});

it('decodes strings as Buffer#toString does, invalid UTF-8 included', () => {
  const body = Buffer.concat([Buffer.from('"a'), Buffer.from([0xe2, 0x82]), Buffer.from('b'), Buffer.from([0xff]), Buffer.from('"')]);
  expect(new JsonScanner(body).string()).toBe(JSON.parse(body.toString('utf8')));
});

it('matches a run of tokens with or without whitespace between them, never inside a name', () => {
  const pattern = new JsonPattern('{"key":');
  const matchAt = (text: string) => {
    const s = new JsonScanner(Buffer.from(text));
    return s.matches(pattern) ? s.pos : -1;
  };
  expect(matchAt('{"key":"x"}')).toBe(7);
  expect(matchAt(' {\n  "key" : "x"}')).toBe(12);
  expect(matchAt('{" key":"x"}')).toBe(-1);
  expect(matchAt('{"keys":"x"}')).toBe(-1);
  expect(matchAt('{"key"')).toBe(-1);
  const word = new JsonPattern('null');
  expect(new JsonScanner(Buffer.from(' null')).matches(word)).toBe(true);
  expect(new JsonScanner(Buffer.from('nu ll')).matches(word)).toBe(false);
});
