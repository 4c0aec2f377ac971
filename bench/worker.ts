import { createServer } from 'node:http';
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { workerdBuildOptions } from '../worker-exporter/example/build.mjs';
import type { Row } from './run.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The same trivial handler three ways, so the difference in wall time and bundle is the instrumentation's. */
const handler = `const handler = { async fetch(request) { return new Response('ok ' + new URL(request.url).pathname); } };`;
const variants: Record<string, (sink: string) => string> = {
  uninstrumented: () => `${handler}\nexport default handler;`,
  seam: (sink) => `import { instrument } from '@seam/worker-exporter';\n${handler}\nexport default instrument(handler, () => ({ service: { name: 'bench' }, exporter: { url: '${sink}' } }));`,
  'otel-cf-workers': (sink) => `import { instrument } from '@microlabs/otel-cf-workers';\n${handler}\nexport default instrument(handler, () => ({ service: { name: 'bench' }, exporter: { url: '${sink}' } }));`,
};

/** Bundles `entry` (a file path, or source text resolved from the repository root) the way the example's build does. */
async function bundle(entry: { path: string } | { source: string }, outfile: string): Promise<{ code: string; gzipBytes: number }> {
  await build({
    ...('path' in entry ? { entryPoints: [entry.path] } : { stdin: { contents: entry.source, resolveDir: root, loader: 'ts' as const } }),
    ...workerdBuildOptions,
    outfile,
    // As wrangler does under nodejs_compat: Node built-ins, with or without the node: prefix, come from workerd.
    external: ['node:*', ...builtinModules],
    minify: true,
    logLevel: 'silent',
    absWorkingDir: root,
  });
  const code = readFileSync(outfile, 'utf8');
  return { code, gzipBytes: gzipSync(code).length };
}

/**
 * Section 5: per-request wall time in workerd (miniflare) and minified+gzip bundle size, for the
 * uninstrumented handler (the reference), Seam's `instrument`, and `@microlabs/otel-cf-workers`.
 * Spans are exported to a loopback sink that answers 200.
 */
export async function workerBenchmarks(work: string, requests: number, record: (row: Omit<Row, 'ratio'>) => void, progress: (text: string) => void): Promise<void> {
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const address = sink.address();
  const sinkUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/traces`;
  const results = new Map<string, { ms: number; gzipBytes: number } | { error: string }>();
  try {
    // All variants run side by side and take turns request by request, so drift in the shared
    // machine's load falls on each of them alike.
    const running = new Map<string, { mf: Miniflare; gzipBytes: number; times: number[] }>();
    for (const [name, source] of Object.entries(variants)) {
      progress(`worker: bundling ${name}`);
      try {
        const { code, gzipBytes } = await bundle({ source: source(sinkUrl) }, join(work, `worker-${name}.js`));
        const mf = new Miniflare({ modules: true, script: code, compatibilityDate: '2026-07-01', compatibilityFlags: ['nodejs_compat'] });
        await mf.ready;
        running.set(name, { mf, gzipBytes, times: [] });
      } catch (error) {
        results.set(name, { error: (error as Error).message.split('\n')[0]! });
      }
    }
    try {
      for (let i = 0; i < requests + 20; i++) {
        if (i % 50 === 0) progress(`worker: request ${i}/${requests + 20} on each variant`);
        for (const variant of running.values()) {
          const start = performance.now();
          const response = await variant.mf.dispatchFetch(`http://localhost/item/${i}`);
          await response.text();
          // The first requests warm up the isolate and the JIT.
          if (i >= 20) variant.times.push(performance.now() - start);
        }
      }
      for (const [name, variant] of running) {
        variant.times.sort((a, b) => a - b);
        results.set(name, { ms: variant.times[Math.floor(variant.times.length / 2)]!, gzipBytes: variant.gzipBytes });
      }
    } finally {
      await Promise.all([...running.values()].map((variant) => variant.mf.dispose()));
    }
    const example = await bundle({ path: join(root, 'worker-exporter/example/src/index.ts') }, join(work, 'worker-example.js'));
    const reference = results.get('uninstrumented');
    if (!reference || 'error' in reference) throw new Error(`the uninstrumented worker did not run: ${reference && 'error' in reference ? reference.error : ''}`);
    for (const name of ['seam', 'otel-cf-workers']) {
      const result = results.get(name)!;
      if ('error' in result) {
        record({ section: '5 worker', metric: `${name}: did not bundle or run (${result.error})`, value: NaN, unit: '', reference: 'uninstrumented handler', referenceValue: reference.ms });
        continue;
      }
      record({ section: '5 worker', metric: `${name}: wall time per request, median of ${requests}`, value: result.ms, unit: 'ms', reference: 'uninstrumented handler', referenceValue: reference.ms });
      record({ section: '5 worker', metric: `${name}: bundle, minified + gzip`, value: result.gzipBytes / 1024, unit: 'KiB', reference: 'uninstrumented handler', referenceValue: reference.gzipBytes / 1024 });
    }
    const cf = results.get('otel-cf-workers');
    if (cf && !('error' in cf)) {
      record({ section: '5 worker', metric: 'example gateway (auth, mapping, propagation), minified + gzip', value: example.gzipBytes / 1024, unit: 'KiB', reference: 'otel-cf-workers handler bundle', referenceValue: cf.gzipBytes / 1024 });
    }
  } finally {
    await new Promise((resolve) => sink.close(resolve));
  }
}
