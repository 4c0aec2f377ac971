// Bundles the example gateway into one self-contained ES module that workerd (wrangler, miniflare) runs as is.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

/** How any Worker here is bundled for workerd: this build, the tests' and the benchmark's. */
export const workerdBuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  // workerd is a Web runtime: take packages' browser/worker builds, never Node ones.
  conditions: ['@seam/source', 'workerd', 'worker', 'browser', 'import'],
  mainFields: ['browser', 'module', 'main'],
  legalComments: 'none',
};

export async function buildExample({ outfile = join(here, 'dist', 'worker.js'), minify = true } = {}) {
  await build({
    ...workerdBuildOptions,
    entryPoints: [join(here, 'src', 'index.ts')],
    outfile,
    minify,
    logLevel: 'warning',
  });
  const code = readFileSync(outfile);
  return { outfile, bytes: code.length, gzipBytes: gzipSync(code).length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { outfile, bytes, gzipBytes } = await buildExample();
  console.log(`${outfile}: ${(bytes / 1024).toFixed(1)} KiB, ${(gzipBytes / 1024).toFixed(1)} KiB gzip`);
}
