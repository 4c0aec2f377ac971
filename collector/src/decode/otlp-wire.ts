import { MalformedRequest } from './limits.ts';
import { embedded, FIXED32, FIXED64, keyValue, LENGTH, Malformed, Reader, repeated, resource, scope, skip, tag, VARINT, anyValue, type Obj, type Read } from './proto-reader.ts';

/**
 * Reads an OTLP protobuf ExportLogsServiceRequest straight from the wire into plain objects with the
 * field names of OTLP/JSON (what `normalizeResourceLogs` takes). protobufjs's message objects, Longs and
 * per-field defaults, read once and dropped, cost about 70 % more CPU than this reader. Trace requests
 * are read straight into spans (otlp-proto-traces.ts).
 */

function logRecord(reader: Reader, end: number, depth: number): Obj {
  const attributes: Obj[] = [];
  const out: Obj = { timeUnixNano: undefined, observedTimeUnixNano: undefined, severityNumber: 0, severityText: '', body: undefined, attributes, flags: 0, traceId: undefined, spanId: undefined };
  while (reader.pos < end) {
    const t = reader.varint();
    if (t === tag(6, LENGTH)) attributes.push(embedded(reader, keyValue, depth));
    else if (t === tag(1, FIXED64)) out.timeUnixNano = reader.fixed64();
    else if (t === tag(11, FIXED64)) out.observedTimeUnixNano = reader.fixed64();
    // int32: a negative value arrives as a 10-byte varint; keep its low 32 bits, signed.
    else if (t === tag(2, VARINT)) out.severityNumber = Number(BigInt.asIntN(32, reader.int64()));
    else if (t === tag(3, LENGTH)) out.severityText = reader.string();
    else if (t === tag(5, LENGTH)) out.body = embedded(reader, anyValue, depth);
    else if (t === tag(8, FIXED32)) out.flags = reader.fixed32();
    else if (t === tag(9, LENGTH)) out.traceId = reader.bytes();
    else if (t === tag(10, LENGTH)) out.spanId = reader.bytes();
    else skip(reader, t);
  }
  return out;
}

/** ResourceLogs and ScopeLogs: the same shape with other item names. */
function container(listName: string, item: Read, head: 'resource' | 'scope'): Read {
  const readHead = head === 'resource' ? resource : scope;
  return (reader, end, depth) => {
    const items: Obj[] = [];
    const out: Obj = { [head]: undefined, [listName]: items, schemaUrl: '' };
    while (reader.pos < end) {
      const t = reader.varint();
      if (t === tag(2, LENGTH)) items.push(embedded(reader, item, depth));
      else if (t === tag(1, LENGTH)) out[head] = embedded(reader, readHead, depth);
      else if (t === tag(3, LENGTH)) out.schemaUrl = reader.string();
      else skip(reader, t);
    }
    return out;
  };
}

const resourceLogs = container('scopeLogs', container('logRecords', logRecord, 'scope'), 'resource');

/** Decodes an ExportLogsServiceRequest body; a malformed one is a MalformedRequest. */
export function decodeOtlpProtobufLogs(body: Uint8Array): Obj {
  let items: Obj[];
  try {
    const reader = new Reader(body);
    items = repeated(reader, reader.end, 0, 1, resourceLogs);
  } catch (error) {
    if (error instanceof Malformed) throw new MalformedRequest(`the body is not a valid protobuf ExportLogsServiceRequest: ${error.message}`);
    throw error;
  }
  return { resourceLogs: items };
}
