import { viewOf } from '../lib/data-view.ts';
import { utf8Slice, type Utf8Cache } from './utf8-cache.ts';

/**
 * Thrown where a scanner leaves the body to JSON.parse: a syntax error, or a shape its caller reads
 * only the general way. One shared object, so that leaving costs no stack trace.
 */
export const unscannable = new Error('left to JSON.parse');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

// Nesting past this is left to JSON.parse, which has no recursion to overflow.
const maxDepth = 64;

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= ZERO && c <= NINE;
const isHex = (c: number): boolean => (c >= ZERO && c <= NINE) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

// Bytes that end a token or start one: whitespace may stand next to them, but not inside a name or a word.
const isTokenEdge = (c: number): boolean => c === QUOTE || c === COMMA || c === COLON || c === OPEN_OBJECT || c === CLOSE_OBJECT || c === OPEN_ARRAY || c === CLOSE_ARRAY;

/**
 * A run of tokens a decoder expects, such as `{"key":`, matched in one pass over the bytes. Whitespace
 * may stand between tokens, but not inside a name or a word such as `true`.
 */
export class JsonPattern {
  readonly bytes: Buffer;
  /** 1 where whitespace may come before the byte: a token starts there. */
  readonly gapBefore: Uint8Array;
  /** The bytes as little-endian 32-bit words, to match compact JSON four bytes at a time. */
  readonly words: Int32Array;

  constructor(text: string) {
    this.bytes = Buffer.from(text);
    const view = viewOf(this.bytes);
    this.words = Int32Array.from({ length: this.bytes.length >> 2 }, (_, k) => view.getInt32(4 * k, true));
    this.gapBefore = new Uint8Array(this.bytes.length);
    let quoted = false;
    for (let k = 0; k < this.bytes.length; k++) {
      const c = this.bytes[k]!;
      if (!quoted && (k === 0 || isTokenEdge(c) || isTokenEdge(this.bytes[k - 1]!))) this.gapBefore[k] = 1;
      if (c === QUOTE) quoted = !quoted;
    }
  }
}

const literals = [new JsonPattern('true'), new JsonPattern('false'), new JsonPattern('null')];

/**
 * A validating JSON reader over bytes that hands its caller one token at a time, so that a decoder
 * which knows the document's schema can read values straight into its own records. Everything it
 * accepts JSON.parse accepts, and strings decode to the same text: a caller that falls back to
 * JSON.parse on `unscannable` gives the same answer either way.
 */
export class JsonScanner {
  pos = 0;
  /** Whether the last string read had escapes. */
  private escaped = false;

  private readonly length: number;

  private readonly view: DataView;

  constructor(readonly buf: Buffer) {
    this.length = buf.length;
    this.view = viewOf(buf);
  }

  /** The next token's first byte, after whitespace; -1 at the end. */
  peek(): number {
    const buf = this.buf;
    let i = this.pos;
    if (i < this.length && buf[i]! > 0x20) return buf[i]!;
    while (isSpace(buf[i])) i++;
    this.pos = i;
    return i < this.length ? buf[i]! : -1;
  }

  /** Only whitespace may follow the document. */
  end(): void {
    if (this.peek() !== -1) throw unscannable;
  }

  /** Consumes the tokens of `pattern` if they come next, with or without whitespace between them. */
  matches(pattern: JsonPattern): boolean {
    const { bytes, gapBefore, words } = pattern;
    const buf = this.buf;
    let i = this.pos;
    // Compact JSON, as exporters write it, matches four bytes at a time; anything else byte by byte.
    if (i + bytes.length <= this.length) {
      let w = 0;
      while (w < words.length && this.view.getInt32(i + 4 * w, true) === words[w]) w++;
      let k = 4 * w;
      if (w === words.length) while (k < bytes.length && buf[i + k] === bytes[k]) k++;
      if (k === bytes.length) {
        this.pos = i + k;
        return true;
      }
    }
    for (let k = 0; k < bytes.length; k++) {
      if (buf[i] !== bytes[k]) {
        if (gapBefore[k] === 0) return false;
        while (isSpace(buf[i])) i++;
        if (buf[i] !== bytes[k]) return false;
      }
      i++;
    }
    this.pos = i;
    return true;
  }

  /** Enters an object and reads its first key; undefined for `{}`. */
  firstKey(cache: Utf8Cache): string | undefined {
    return this.enter(OPEN_OBJECT, CLOSE_OBJECT) ? this.key(cache) : undefined;
  }

  /** After a member's value: the next key, or undefined past the closing brace. */
  nextKey(cache: Utf8Cache): string | undefined {
    return this.another(CLOSE_OBJECT) ? this.key(cache) : undefined;
  }

  /** Enters an array: whether it has a first item. */
  firstItem(): boolean {
    return this.enter(OPEN_ARRAY, CLOSE_ARRAY);
  }

  /** After an item: whether another follows. */
  nextItem(): boolean {
    return this.another(CLOSE_ARRAY);
  }

  /** Consumes `null` if it comes next. */
  isNull(): boolean {
    if (this.peek() !== 0x6e) return false;
    this.skip();
    return true;
  }

  /** A string value; strings that recur are best read through `cache`. */
  string(cache?: Utf8Cache): string {
    if (this.peek() !== QUOTE) throw unscannable;
    const start = this.pos + 1;
    const end = this.stringEnd(start);
    this.pos = end + 1;
    if (this.escaped) return JSON.parse(utf8Slice(this.buf, start - 1, end + 1)) as string;
    return cache ? cache.get(this.buf, start, end) : utf8Slice(this.buf, start, end);
  }

  /** The next value as JSON.parse gives it, for the members a caller does not read token by token. */
  value(): unknown {
    const c = this.peek();
    if (c === QUOTE) return this.string();
    const start = this.pos;
    this.skip();
    const text = utf8Slice(this.buf, start, this.pos);
    return c === MINUS || isDigit(c) ? Number(text) : JSON.parse(text);
  }

  /** Passes over the next value, checking that it is valid JSON. */
  skip(depth = 0): void {
    const c = this.peek();
    if (c === QUOTE) {
      this.pos = this.stringEnd(this.pos + 1) + 1;
    } else if (c === OPEN_OBJECT) {
      if (depth >= maxDepth) throw unscannable;
      if (this.enter(OPEN_OBJECT, CLOSE_OBJECT))
        do {
          this.skipKey();
          this.skip(depth + 1);
        } while (this.another(CLOSE_OBJECT));
    } else if (c === OPEN_ARRAY) {
      if (depth >= maxDepth) throw unscannable;
      if (this.enter(OPEN_ARRAY, CLOSE_ARRAY))
        do this.skip(depth + 1);
        while (this.another(CLOSE_ARRAY));
    } else if (c === MINUS || isDigit(c)) {
      this.number();
    } else {
      const word = c === 0x74 ? literals[0]! : c === 0x66 ? literals[1]! : c === 0x6e ? literals[2]! : undefined;
      if (word === undefined || !this.matches(word)) throw unscannable;
    }
  }

  private key(cache: Utf8Cache): string {
    const key = this.string(cache);
    if (this.peek() !== COLON) throw unscannable;
    this.pos++;
    return key;
  }

  private skipKey(): void {
    if (this.peek() !== QUOTE) throw unscannable;
    this.pos = this.stringEnd(this.pos + 1) + 1;
    if (this.peek() !== COLON) throw unscannable;
    this.pos++;
  }

  /** Past the opening bracket `open`: whether anything comes before the closing `close` (consumed if not). */
  private enter(open: number, close: number): boolean {
    if (this.peek() !== open) throw unscannable;
    this.pos++;
    if (this.peek() !== close) return true;
    this.pos++;
    return false;
  }

  /** After a member or an item: a comma (true), or the closing bracket `close` (false, consumed). */
  private another(close: number): boolean {
    const c = this.peek();
    if (c === close) {
      this.pos++;
      return false;
    }
    if (c !== COMMA) throw unscannable;
    this.pos++;
    return true;
  }

  /** The index of the closing quote of the string whose text starts at `start`. */
  private stringEnd(start: number): number {
    const buf = this.buf;
    const n = this.length;
    let escaped = false;
    let i = start;
    // Four bytes at a time while none is a quote, a backslash or a control character: each test is
    // "has a zero byte" on the word XOR the byte sought, and "has a byte below 0x20".
    while (i + 4 <= n) {
      const word = this.view.getInt32(i, true);
      const quote = word ^ 0x22222222;
      const backslash = word ^ 0x5c5c5c5c;
      if ((((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash) | ((word - 0x20202020) & ~word)) & 0x80808080) break;
      i += 4;
    }
    for (;;) {
      if (i >= n) throw unscannable;
      const c = buf[i]!;
      if (c === QUOTE) break;
      if (c < 0x20) throw unscannable;
      if (c === BACKSLASH) {
        escaped = true;
        const e = buf[i + 1];
        if (e === 0x75) {
          if (i + 6 > n || !isHex(buf[i + 2]!) || !isHex(buf[i + 3]!) || !isHex(buf[i + 4]!) || !isHex(buf[i + 5]!)) throw unscannable;
          i += 6;
          continue;
        }
        // " \ / b f n r t
        if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) throw unscannable;
        i += 2;
        continue;
      }
      i++;
    }
    this.escaped = escaped;
    return i;
  }

  private number(): void {
    const buf = this.buf;
    let i = this.pos;
    if (buf[i] === MINUS) i++;
    if (buf[i] === ZERO) i++;
    else if (isDigit(buf[i])) while (isDigit(buf[i])) i++;
    else throw unscannable;
    if (buf[i] === 0x2e) {
      i++;
      if (!isDigit(buf[i])) throw unscannable;
      while (isDigit(buf[i])) i++;
    }
    if (buf[i] === 0x65 || buf[i] === 0x45) {
      i++;
      if (buf[i] === 0x2b || buf[i] === MINUS) i++;
      if (!isDigit(buf[i])) throw unscannable;
      while (isDigit(buf[i])) i++;
    }
    this.pos = i;
  }
}
