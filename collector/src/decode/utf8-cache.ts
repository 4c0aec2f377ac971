import { viewOf } from '../lib/data-view.ts';

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
  /** The hash of each slot's string. */
  private readonly hashes: Int32Array;
  /** The hash of each slot's last miss: a string is kept only when it is seen a second time. */
  private readonly missed: Int32Array;
  /** Each slot's string as 32-bit words of its bytes (`maxBytes / 4` per slot), to confirm a hit four bytes at a time. */
  private readonly words: Int32Array;
  private readonly wordsPerSlot: number;
  /** The buffer last read (held until the next one: a request body per cache), and a view of it that reads four bytes at once. */
  private viewed: Buffer | undefined;
  private view: DataView = new DataView(new ArrayBuffer(0));

  constructor(
    private readonly slots = 4096,
    /** Longer strings are decoded every time: hashing and comparing them would cost what decoding does. */
    private readonly maxBytes = 64,
  ) {
    this.strings = new Array<string | undefined>(slots).fill(undefined);
    this.hashes = new Int32Array(slots);
    this.missed = new Int32Array(slots);
    this.wordsPerSlot = maxBytes >> 2;
    this.words = new Int32Array(slots * this.wordsPerSlot);
  }

  get(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    if (length > this.maxBytes) return utf8Slice(buf, start, end);
    if (buf !== this.viewed) {
      this.viewed = buf;
      this.view = viewOf(buf);
    }
    const view = this.view;
    // The length and up to eight bytes from each end tell most recurring strings apart; a hit is
    // confirmed in full below, so the hash need not see every byte.
    let hash = 0x811c9dc5 ^ length;
    if (length >= 4) {
      hash = Math.imul(hash ^ view.getInt32(start, true), 0x01000193);
      hash = Math.imul(hash ^ view.getInt32(end - 4, true), 0x01000193);
      if (length >= 8) {
        hash = Math.imul(hash ^ view.getInt32(start + 4, true), 0x01000193);
        hash = Math.imul(hash ^ view.getInt32(end - 8, true), 0x01000193);
      }
    } else for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
    const slot = (hash ^ (hash >>> 15)) & (this.slots - 1);
    const known = this.strings[slot];
    if (known !== undefined && this.hashes[slot] === hash && known.length === length) {
      const base = slot * this.wordsPerSlot;
      const whole = length >> 2;
      let w = 0;
      while (w < whole && view.getInt32(start + 4 * w, true) === this.words[base + w]) w++;
      // Only ASCII strings are kept, so each character is its own byte.
      let i = 4 * w;
      if (w === whole) while (i < length && known.charCodeAt(i) === buf[start + i]) i++;
      if (i === length) return known;
    }
    const text = utf8Slice(buf, start, end);
    // Ids, timestamps and paths seldom recur: keeping each would cost an allocation and evict a string
    // that does. Keeping only what misses twice running in its slot lets those pass at the cost of a hash.
    if (this.missed[slot] !== hash) this.missed[slot] = hash;
    else if (text.length === length && isAscii(text)) {
      this.strings[slot] = text;
      this.hashes[slot] = hash;
      const base = slot * this.wordsPerSlot;
      for (let w = 0; w < length >> 2; w++) this.words[base + w] = view.getInt32(start + 4 * w, true);
    }
    return text;
  }
}

// A string decoded from as many bytes as it has characters may still hold U+FFFD for an invalid byte.
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
