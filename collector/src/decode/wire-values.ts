import { RejectedItem } from './limits.ts';

/** How ids and 64-bit numbers arrive: protobuf bytes and Longs, or OTLP/JSON hex strings and decimal strings. */
export type Wire = 'proto' | 'json';

// Loops rather than regular expressions: every span has three ids and two times, and a regular
// expression's call costs more than these few characters do.

/**
 * `text` as lowercase hex if it is `digits` hex digits, '' if they are all zero, undefined if it is not
 * hex: one pass, and no new string for the lowercase ids senders write.
 */
export function lowerHex(text: string, digits: number): string | undefined {
  if (text.length !== digits) return undefined;
  let upper = false;
  let zero = true;
  for (let i = 0; i < digits; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x30) continue;
    zero = false;
    if (c >= 0x41 && c <= 0x46) upper = true;
    else if (!((c >= 0x31 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return undefined;
  }
  return zero ? '' : upper ? text.toLowerCase() : text;
}

function isDecimal(text: string, maxDigits: number): boolean {
  if (text.length === 0 || text.length > maxDigits) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Reads a trace or span id as lowercase hex. An empty optional id reads as ''. */
export function readId(value: unknown, bytes: number, wire: Wire, name: string, optional: boolean): string {
  let text: string;
  if (wire === 'proto') {
    const raw = value instanceof Uint8Array ? value : new Uint8Array(0);
    if (raw.length === 0) text = '';
    else if (raw.length !== bytes) throw new RejectedItem(`${name} has ${raw.length} bytes, expected ${bytes}`);
    else text = lowerHex(Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('hex'), bytes * 2)!;
  } else {
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new RejectedItem(`${name} must be a hex string`);
    }
    const given = (value ?? '') as string;
    const id = given === '' ? '' : lowerHex(given, bytes * 2);
    if (id === undefined) throw new RejectedItem(`${name} "${given.slice(0, 40)}" is not ${bytes * 2} hex digits`);
    text = id;
  }
  if (text === '') {
    if (optional) return '';
    throw new RejectedItem(`${name} is missing or all zero`);
  }
  return text;
}

// 2200-01-01: far enough for any clock, early enough that DateTime64(9) arithmetic in the views cannot overflow.
const maxNanos = 7_258_118_400_000_000_000n;

/** Reads a fixed64 nanosecond time: a bigint from the protobuf decoder, a JSON decimal string or a JSON number. */
export function readNanos(value: unknown, name: string): bigint {
  if (value === undefined || value === null) return 0n;
  let result: bigint;
  if (typeof value === 'bigint') {
    result = value;
  } else if (typeof value === 'string') {
    if (!isDecimal(value, 20)) throw new RejectedItem(`${name} "${value.slice(0, 40)}" is not a decimal nanosecond count`);
    result = BigInt(value);
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new RejectedItem(`${name} ${value} is not a nanosecond count`);
    result = BigInt(Math.trunc(value));
  } else if (value !== null && typeof value === 'object' && typeof (value as { low?: unknown }).low === 'number' && typeof (value as { high?: unknown }).high === 'number') {
    // protobufjs Long (unsigned for fixed64)
    result = BigInt(String(value));
  } else {
    throw new RejectedItem(`${name} is not a nanosecond count (a decimal string or a number)`);
  }
  if (result > maxNanos) throw new RejectedItem(`${name} is after the year 2200`);
  return result;
}
