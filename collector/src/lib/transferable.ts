/**
 * The memory of `bytes` if it can move to another thread: a view of the whole of an ArrayBuffer. Moving
 * a 500 KB body or block instead of copying it saves the copy and, on the side that lets go, a buffer
 * for the collector to collect. A small Buffer is usually a slice of a shared pool and cannot move.
 */
export function transferable(bytes: Uint8Array): ArrayBuffer | undefined {
  const memory = bytes.buffer;
  return memory instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === memory.byteLength ? memory : undefined;
}
