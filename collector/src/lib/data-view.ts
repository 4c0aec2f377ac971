/** A DataView of exactly the bytes `bytes` covers, for reading and writing several bytes at once. */
export const viewOf = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
