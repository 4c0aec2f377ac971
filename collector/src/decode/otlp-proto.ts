import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const root = protobuf.loadSync(fileURLToPath(new URL('./proto/otlp.proto', import.meta.url)));
const type = (name: string) => root.lookupType(`opentelemetry.proto.${name}`);

export const TraceRequest = type('ExportTraceServiceRequest');
export const TraceResponse = type('ExportTraceServiceResponse');
export const LogsRequest = type('ExportLogsServiceRequest');
export const LogsResponse = type('ExportLogsServiceResponse');
export const RpcStatus = type('RpcStatus');

export function encodeProto(message: protobuf.Type, value: Record<string, unknown>): Uint8Array {
  return message.encode(message.fromObject(value)).finish();
}
