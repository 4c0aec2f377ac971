// Buffer#toString validates its arguments in JS on every call; the native slice it ends in is what
// protobufjs calls too.
const slice = (Buffer.prototype as unknown as { utf8Slice?: (this: Buffer, start: number, end: number) => string }).utf8Slice;
export const utf8Slice = (buf: Buffer, start: number, end: number): string => (slice ? slice.call(buf, start, end) : buf.toString('utf8', start, end));

/**
 * Strings decoded from bytes that recur from span to span (attribute keys, methods, status codes,
 * cluster names), remembered by their bytes. A hit returns the same string as last time: no new string
 * to allocate and collect, and, as a property key, one V8 has already hashed and internalised. A
 * direct-mapped table of fixed size, so a sender sending only new strings costs a hash per string.
 */
export class Utf8Cache {
  private readonly strings: (string | undefined)[];
  private readonly bytes: (Uint8Array | undefined)[];

  constructor(
    private readonly slots = 4096,
    /** Longer strings are decoded every time: hashing and comparing them would cost what decoding does. */
    private readonly maxBytes = 64,
  ) {
    this.strings = new Array<string | undefined>(slots).fill(undefined);
    this.bytes = new Array<Uint8Array | undefined>(slots).fill(undefined);
  }

  get(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    if (length > this.maxBytes) return utf8Slice(buf, start, end);
    // The length and up to eight bytes from each end tell most recurring strings apart; a hit is
    // confirmed byte by byte below, so the hash need not see every byte.
    let hash = Math.imul(0x811c9dc5 ^ length, 0x01000193);
    const head = Math.min(end, start + 8);
    for (let i = start; i < head; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
    for (let i = Math.max(head, end - 8); i < end; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
    const slot = (hash ^ (hash >>> 15)) & (this.slots - 1);
    const known = this.bytes[slot];
    if (known !== undefined && known.length === length) {
      let i = 0;
      while (i < length && known[i] === buf[start + i]) i++;
      if (i === length) return this.strings[slot]!;
    }
    const text = utf8Slice(buf, start, end);
    // A copy: a view would keep the whole request body alive for as long as the entry lasts, and would
    // change under the entry if the body's memory were written again.
    this.bytes[slot] = Uint8Array.prototype.slice.call(buf, start, end);
    this.strings[slot] = text;
    return text;
  }
}
