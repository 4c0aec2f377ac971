import * as grpc from '@grpc/grpc-js';
import type { AttributeStats } from '../decode/attributes.ts';
import { MalformedRequest, type DecodeLimits } from '../decode/limits.ts';
import { normalizeResourceLogs } from '../decode/otlp-logs.ts';
import { decodeProto, encodeProto, LogsRequest, LogsResponse, TraceRequest, TraceResponse } from '../decode/otlp-proto.ts';
import { normalizeResourceSpans } from '../decode/otlp-traces.ts';
import { QueueFull, WriteFailed } from '../exporter/batch-writer.ts';
import type { Outcome, Pipeline } from '../pipeline.ts';

export interface OtlpGrpcOptions {
  pipeline: Pipeline;
  limits: DecodeLimits;
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
      const stats: AttributeStats = { truncated: 0 };
      try {
        let outcome: Outcome;
        if (signal === 'spans') {
          const decoded = normalizeResourceSpans(decodeProto(TraceRequest, call.request), 'proto', options.limits, stats);
          outcome = await options.pipeline.acceptSpans('otlp-grpc', decoded, stats);
        } else {
          const decoded = normalizeResourceLogs(decodeProto(LogsRequest, call.request), 'proto', options.limits, stats);
          outcome = await options.pipeline.acceptLogs('otlp-grpc', decoded, stats);
        }
        const partialSuccess =
          outcome.rejected > 0 ? { [signal === 'spans' ? 'rejectedSpans' : 'rejectedLogRecords']: outcome.rejected, errorMessage: outcome.message } : {};
        callback(null, Buffer.from(encodeProto(signal === 'spans' ? TraceResponse : LogsResponse, { partialSuccess })));
      } catch (error) {
        if (error instanceof MalformedRequest) {
          options.pipeline.refused('otlp-grpc', signal);
          return callback({ code: grpc.status.INVALID_ARGUMENT, details: error.message });
        }
        if (error instanceof QueueFull || error instanceof WriteFailed) {
          return callback({ code: grpc.status.UNAVAILABLE, details: `${error.message}; retry later` });
        }
        callback({ code: grpc.status.INTERNAL, details: 'internal error; nothing from this request was stored, retry it' });
      }
    })();
  };
}
