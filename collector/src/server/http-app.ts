import { Transform, type Readable, type TransformCallback } from 'node:stream';
import compress from '@fastify/compress';
import Fastify, { type FastifyInstance, type preParsingHookHandler } from 'fastify';

export interface HttpAppOptions {
  /** Largest request body after decompression; larger bodies get 413. */
  bodyLimit: number;
  /** Largest decompression ratio accepted; more is treated as a decompression bomb (413). */
  maxDecompressionRatio?: number;
}

/**
 * A Fastify instance for one listener: gzip/deflate request bodies are inflated before parsing, and the
 * body limit applies to the inflated size, so a small compressed bomb is cut off at the limit.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: options.bodyLimit, logger: false, return503OnClosing: true, forceCloseConnections: 'idle' });
  await app.register(compress, { global: true, requestEncodings: ['gzip', 'deflate'], encodings: ['gzip', 'deflate'] });
  // Added after @fastify/compress's own hook, so it sees the inflating stream.
  const ratioCheck = limitRatio(options.maxDecompressionRatio ?? defaultMaxDecompressionRatio);
  app.addHook('onRoute', (route) => {
    route.preParsing = [...(Array.isArray(route.preParsing) ? route.preParsing : route.preParsing ? [route.preParsing] : []), ratioCheck];
  });
  closeConnectionsOnShutdown(app);
  app.removeAllContentTypeParsers();
  for (const type of ['application/x-protobuf', 'application/protobuf', 'application/json']) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  }
  return app;
}

const defaultMaxDecompressionRatio = 100;
// Small bodies inflate by large ratios legitimately (a few repeated attributes); below this nothing is checked.
const ratioFloorBytes = 1024 * 1024;

class DecompressionBomb extends Error {
  readonly statusCode = 413;
  readonly code = 'SEAM_DECOMPRESSION_RATIO';
}

/**
 * Stops inflating a body once it grows more than `ratio` times the compressed bytes read so far: a gzip
 * bomb gets 413 after a little work instead of inflating up to the body limit.
 */
function limitRatio(ratio: number): preParsingHookHandler {
  return (_request, _reply, payload, done) => {
    const inflating = payload as Readable & { receivedEncodedLength?: number };
    if (inflating.receivedEncodedLength === undefined) return done(null, payload);
    let inflated = 0;
    let tripped = false;
    const guard = new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        // Chunks already inflated when the check tripped are dropped; the request has its answer.
        if (tripped) return callback();
        inflated += chunk.length;
        const compressed = inflating.receivedEncodedLength ?? 0;
        if (inflated > ratioFloorBytes && inflated > ratio * compressed) {
          tripped = true;
          inflating.unpipe(guard);
          inflating.destroy();
          return callback(
            new DecompressionBomb(`the body inflates more than ${ratio} times its compressed size (${compressed} bytes read so far); this looks like a decompression bomb, send it uncompressed or in smaller batches`),
          );
        }
        callback(null, chunk);
      },
    });
    // Fastify compares Content-Length with the bytes on the wire, which only the inflating stream counts.
    Object.defineProperty(guard, 'receivedEncodedLength', { get: () => inflating.receivedEncodedLength });
    inflating.on('error', (error) => guard.destroy(error));
    // Fastify stops listening once it has answered (e.g. 413 at the body limit); a later error has no one to tell.
    guard.on('error', () => {});
    done(null, inflating.pipe(guard));
  };
}

/**
 * Once shutdown begins, every response says `Connection: close`. A keep-alive connection that was busy
 * when closing started would otherwise stay open after its response until the keep-alive timeout
 * (72 s in Fastify), holding the shutdown for that long.
 */
export function closeConnectionsOnShutdown(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
}
