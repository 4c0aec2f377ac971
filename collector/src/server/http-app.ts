import compress from '@fastify/compress';
import Fastify, { type FastifyInstance } from 'fastify';

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
  app.removeAllContentTypeParsers();
  for (const type of ['application/x-protobuf', 'application/protobuf', 'application/json']) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  }
  return app;
}
