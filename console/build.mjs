// Builds the investigation console into console/dist: one hashed script, one hashed stylesheet,
// index.html that names them, and a gzip copy of each for clients that accept it.
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
const assets = join(dist, 'assets');

// Built aside and moved in file by file, so a collector serving the old build (or a second build
// running at the same time, as parallel test files do) never sees a missing or half-written file.
await mkdir(assets, { recursive: true });
const staging = await mkdtemp(join(dist, '.build-'));
try {
  const result = await build({
    entryPoints: [join(root, 'src/main.tsx')],
    outdir: staging,
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
  const script = outputs.find((name) => name.endsWith('.js'));
  const style = outputs.find((name) => name.endsWith('.css'));
  if (!script || !style) throw new Error(`esbuild wrote ${outputs.join(', ')}; expected one .js and one .css`);

  const template = await readFile(join(root, 'index.html'), 'utf8');
  await writeFile(join(staging, 'index.html'), template.replace('%SCRIPT%', `/assets/${script}`).replace('%STYLE%', `/assets/${style}`));
  for (const name of [script, style, 'index.html']) {
    await writeFile(join(staging, `${name}.gz`), gzipSync(await readFile(join(staging, name)), { level: 9 }));
  }
  // Assets first, the page that names them last.
  for (const name of [script, style]) {
    for (const file of [name, `${name}.gz`]) await rename(join(staging, file), join(assets, file));
  }
  for (const file of ['index.html.gz', 'index.html']) await rename(join(staging, file), join(dist, file));
  const current = new Set([script, style].flatMap((name) => [name, `${name}.gz`]));
  for (const file of await readdir(assets)) if (!current.has(file)) await rm(join(assets, file), { force: true });
  console.log(`console built into ${dist}: ${script}, ${style}`);
} finally {
  await rm(staging, { recursive: true, force: true });
}
