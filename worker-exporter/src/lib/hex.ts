const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b];
  return out;
}

/** Random lowercase hex id of `bytes` bytes; never all zeros, which W3C and B3 both treat as invalid. */
export function randomHexId(bytes: number): string {
  const buf = new Uint8Array(bytes);
  do crypto.getRandomValues(buf);
  while (buf.every((b) => b === 0));
  return bytesToHex(buf);
}
