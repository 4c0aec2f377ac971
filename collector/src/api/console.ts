import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/** Where `npm run build:console` writes the investigation console. */
export const consoleDist = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

// Scripts and styles only from this origin, so markup that slips into a span value could not run
// even if it were ever inserted as HTML; data only from this origin's API; never inside a frame.
const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

const types: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * The investigation console at `/` (every view is a query string on `/`) and its hashed assets at
 * `/assets/`. It reads only the public API; a collector started without a build says how to build it.
 */
export const consoleRoutes: FastifyPluginAsync<{ dist?: string }> = async (app, options) => {
  const dist = options.dist ?? consoleDist;

  app.get('/', async (request, reply) => {
    reply.headers(securityHeaders).header('cache-control', 'no-cache');
    const sent = await sendFile(reply, `${dist}index.html`, 'text/html; charset=utf-8', request.headers['accept-encoding']);
    if (!sent) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(`console not built; run npm run build:console (it writes ${dist}), then reload this page. The API is at /api/v1 (see /api/v1/openapi.json).\n`);
    }
    return reply;
  });

  app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
    const { file } = request.params;
    const type = types[file.slice(file.lastIndexOf('.'))];
    reply.headers(securityHeaders);
    // Names are esbuild's `[name]-[hash].ext`; anything else (a path, a dot file) is not ours to serve.
    if (!type || !/^[A-Za-z0-9_-]+\.(js|css)$/.test(file)) return reply.code(404).type('text/plain; charset=utf-8').send(`no console asset ${file}\n`);
    reply.header('cache-control', 'public, max-age=31536000, immutable');
    const sent = await sendFile(reply, `${dist}assets/${file}`, type, request.headers['accept-encoding']);
    if (!sent) return reply.code(404).type('text/plain; charset=utf-8').send(`no console asset ${file}; the console was rebuilt since this page loaded, reload it\n`);
    return reply;
  });
};

/** Sends the build's gzip copy when the client accepts gzip; false when the file is absent. */
async function sendFile(reply: FastifyReply, path: string, type: string, acceptEncoding: string | undefined): Promise<boolean> {
  reply.header('vary', 'accept-encoding');
  const compressed = /\bgzip\b/.test(acceptEncoding ?? '') ? await readIfPresent(`${path}.gz`) : null;
  const body = compressed ?? (await readIfPresent(path));
  if (!body) return false;
  if (compressed) reply.header('content-encoding', 'gzip');
  await reply.type(type).send(body);
  return true;
}

async function readIfPresent(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
