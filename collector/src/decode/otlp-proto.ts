import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { MalformedRequest } from './limits.ts';

const root = protobuf.loadSync(fileURLToPath(new URL('./proto/otlp.proto', import.meta.url)));
const type = (name: string) => root.lookupType(`opentelemetry.proto.${name}`);

export const TraceRequest = type('ExportTraceServiceRequest');
export const TraceResponse = type('ExportTraceServiceResponse');
export const LogsRequest = type('ExportLogsServiceRequest');
export const LogsResponse = type('ExportLogsServiceResponse');
export const RpcStatus = type('RpcStatus');

/** Decodes protobuf bytes into a message whose field names match OTLP/JSON's. */
export function decodeProto(message: protobuf.Type, body: Uint8Array): unknown {
  try {
    return message.decode(body);
  } catch (error) {
    throw new MalformedRequest(`the body is not a valid protobuf ${message.name}: ${(error as Error).message}`);
  }
}

export function encodeProto(message: protobuf.Type, value: Record<string, unknown>): Uint8Array {
  return message.encode(message.fromObject(value)).finish();
}
