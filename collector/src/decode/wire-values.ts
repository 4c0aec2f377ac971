import { RejectedItem } from './limits.ts';

/** How ids and 64-bit numbers arrive: protobuf bytes and Longs, or OTLP/JSON hex strings and decimal strings. */
export type Wire = 'proto' | 'json';

// Loops rather than regular expressions: every span has three ids and two times, and a regular
// expression's call costs more than these few characters do.
export function isHex(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const letter = c | 0x20;
    if (!((c >= 0x30 && c <= 0x39) || (letter >= 0x61 && letter <= 0x66))) return false;
  }
  return true;
}

export function isZeros(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== 0x30) return false;
  return true;
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
    else text = Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('hex');
  } else {
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new RejectedItem(`${name} must be a hex string`);
    }
    text = (value ?? '') as string;
    if (text.length > 0 && (text.length !== bytes * 2 || !isHex(text))) {
      throw new RejectedItem(`${name} "${text.slice(0, 40)}" is not ${bytes * 2} hex digits`);
    }
    text = text.toLowerCase();
  }
  if (text === '' || isZeros(text)) {
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
