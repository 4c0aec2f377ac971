import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { MalformedRequest } from '../decode/limits.ts';
import { encodeProto, LogsResponse, TraceResponse } from '../decode/otlp-proto.ts';
import { QueueFull, WriteFailed } from '../exporter/writer.ts';
import type { Pipeline } from '../pipeline.ts';
import { clientKey, RateLimited } from '../server/rate-limit.ts';

export interface OtlpGrpcOptions {
  pipeline: Pipeline;
  maxMessageBytes: number;
  credentials?: grpc.ServerCredentials;
  /** Called with the call's metadata; returns an error message to refuse with UNAUTHENTICATED. */
  authenticate?: (metadata: grpc.Metadata) => Promise<string | null>;
}

// Messages stay raw bytes through grpc-js so that an undecodable one becomes INVALID_ARGUMENT here
// instead of an internal error inside the library.
const raw = {
  requestStream: false,
  responseStream: false,
  requestSerialize: (value: Buffer) => value,
  requestDeserialize: (bytes: Buffer) => bytes,
  responseSerialize: (value: Buffer) => value,
  responseDeserialize: (bytes: Buffer) => bytes,
} as const;

const services = {
  traces: { Export: { path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', ...raw } },
  logs: { Export: { path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export', ...raw } },
};

/** OTLP/gRPC `TraceService/Export` and `LogsService/Export`, with the HTTP receiver's semantics in gRPC status codes. */
export async function startOtlpGrpc(host: string, port: number, options: OtlpGrpcOptions): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
  });
  server.addService(services.traces as unknown as grpc.ServiceDefinition, {
    Export: handler(options, 'spans'),
  });
  server.addService(services.logs as unknown as grpc.ServiceDefinition, {
    Export: handler(options, 'logs'),
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, options.credentials ?? grpc.ServerCredentials.createInsecure(), (error, actual) =>
      error ? reject(error) : resolve(actual),
    ),
  );
  return { server, port: bound };
}

function handler(options: OtlpGrpcOptions, signal: 'spans' | 'logs'): grpc.handleUnaryCall<Buffer, Buffer> {
  return (call, callback) => {
    void (async () => {
      if (options.authenticate) {
        const refusal = await options.authenticate(call.metadata);
        if (refusal) return callback({ code: grpc.status.UNAUTHENTICATED, details: refusal });
      }
      const client = clientKey(call.metadata.get('authorization')[0]?.toString(), call.getPeer().replace(/:\d+$/, ''));
      try {
        const outcome = await options.pipeline.accept('otlp-grpc', { signal, encoding: 'otlp-proto', body: call.request }, client);
        const partialSuccess =
          outcome.rejected > 0 ? { [signal === 'spans' ? 'rejectedSpans' : 'rejectedLogRecords']: outcome.rejected, errorMessage: outcome.message } : {};
        callback(null, Buffer.from(encodeProto(signal === 'spans' ? TraceResponse : LogsResponse, { partialSuccess })));
      } catch (error) {
        if (error instanceof MalformedRequest) {
          options.pipeline.refused('otlp-grpc', signal);
          return callback({ code: grpc.status.INVALID_ARGUMENT, details: error.message });
        }
        if (error instanceof RateLimited) {
          return callback(retryable(grpc.status.RESOURCE_EXHAUSTED, error.message, error.retryAfterSeconds));
        }
        if (error instanceof QueueFull) return callback(retryable(grpc.status.UNAVAILABLE, error.message, error.retryAfterSeconds));
        if (error instanceof WriteFailed) {
          return callback(retryable(grpc.status.UNAVAILABLE, `${error.message}; nothing from this request was stored, retry it`, 5));
        }
        callback({ code: grpc.status.INTERNAL, details: 'internal error; nothing from this request was stored, retry it' });
      }
    })();
  };
}

/**
 * An error carrying google.rpc.RetryInfo in `grpc-status-details-bin`: OTLP exporters retry
 * RESOURCE_EXHAUSTED only when it is present, and use its delay as gRPC's Retry-After.
 */
function retryable(code: grpc.status, details: string, retryAfterSeconds: number): Partial<grpc.StatusObject> {
  const duration = protobuf.Writer.create().uint32(8).int64(retryAfterSeconds).finish();
  const retryInfo = protobuf.Writer.create().uint32(10).bytes(duration).finish();
  const any = protobuf.Writer.create().uint32(10).string('type.googleapis.com/google.rpc.RetryInfo').uint32(18).bytes(retryInfo).finish();
  const status = protobuf.Writer.create().uint32(8).int32(code).uint32(18).string(details).uint32(26).bytes(any).finish();
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(status));
  metadata.set('retry-after', String(retryAfterSeconds));
  return { code, details, metadata };
}
