import { createServer } from 'node:http';
import { builtinModules } from 'node:module';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { workerdBuildOptions } from '../worker-exporter/example/build.mjs';
import type { Row } from './run.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The same trivial handler four ways, so the difference in time and bundle is the instrumentation's. */
const handler = `const handler = { async fetch(request) { return new Response('ok ' + new URL(request.url).pathname); } };`;
const variants: Record<string, (sink: string) => string> = {
  uninstrumented: () => `${handler}\nexport default handler;`,
  // Tracing only, like otel-cf-workers: the build a Worker that authenticates nobody imports.
  seam: (sink) => `import { instrument } from '@seam/worker-exporter/trace';\n${handler}\nexport default instrument(handler, () => ({ service: { name: 'bench' }, exporter: { url: '${sink}' } }));`,
  // The same config through the full build, which carries token verification, mapping, policy and assertions.
  'seam full build': (sink) => `import { instrument } from '@seam/worker-exporter';\n${handler}\nexport default instrument(handler, () => ({ service: { name: 'bench' }, exporter: { url: '${sink}' } }));`,
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

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** `/proc/<pid>/stat` fields after the command name, so that field n (1-based, as in proc(5)) is at n - 3. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU time (user + system, all threads) a process has used so far. */
function cpuMs(pid: number): number {
  const fields = statFields(pid);
  return ((Number(fields[14 - 3]) + Number(fields[15 - 3])) * 1000) / ticksPerSecond;
}

/** The workerd processes this process has started (miniflare runs one per instance). */
function workerdChildren(): Set<number> {
  const pids = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(Number(entry))[4 - 3]) === process.pid && readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'workerd') pids.add(Number(entry));
    } catch {
      // The process ended between listing and reading.
    }
  }
  return pids;
}

/**
 * Section 5: per-request wall time, per-request CPU time of the workerd process (export included), and
 * minified+gzip bundle size in workerd (miniflare), for the
 * uninstrumented handler (the reference), Seam's `instrument` from its tracing-only and its full build,
 * and `@microlabs/otel-cf-workers`.
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
  const results = new Map<string, { ms: number; cpuMs: number; gzipBytes: number } | { error: string }>();
  try {
    // All variants run side by side and take turns request by request, so drift in the shared
    // machine's load falls on each of them alike.
    const running = new Map<string, { mf: Miniflare; pid: number; gzipBytes: number; times: number[]; cpuAtStart: number }>();
    for (const [name, source] of Object.entries(variants)) {
      progress(`worker: bundling ${name}`);
      try {
        const { code, gzipBytes } = await bundle({ source: source(sinkUrl) }, join(work, `worker-${name}.js`));
        const before = workerdChildren();
        const mf = new Miniflare({ modules: true, script: code, compatibilityDate: '2026-07-01', compatibilityFlags: ['nodejs_compat'] });
        await mf.ready;
        const [pid, ...others] = [...workerdChildren()].filter((child) => !before.has(child));
        if (pid === undefined || others.length > 0) throw new Error('cannot tell which workerd process runs this variant');
        running.set(name, { mf, pid, gzipBytes, times: [], cpuAtStart: 0 });
      } catch (error) {
        results.set(name, { error: (error as Error).message.split('\n')[0]! });
      }
    }
    try {
      for (let i = 0; i < requests + 20; i++) {
        if (i % 50 === 0) progress(`worker: request ${i}/${requests + 20} on each variant`);
        if (i === 20) for (const variant of running.values()) variant.cpuAtStart = cpuMs(variant.pid);
        for (const variant of running.values()) {
          const start = performance.now();
          const response = await variant.mf.dispatchFetch(`http://localhost/item/${i}`);
          await response.text();
          // The first requests warm up the isolate and the JIT.
          if (i >= 20) variant.times.push(performance.now() - start);
        }
      }
      // Exports run after the response, in waitUntil: let the last ones finish before reading the CPU.
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const [name, variant] of running) {
        variant.times.sort((a, b) => a - b);
        const cpuPerRequest = (cpuMs(variant.pid) - variant.cpuAtStart) / requests;
        results.set(name, { ms: variant.times[Math.floor(variant.times.length / 2)]!, cpuMs: cpuPerRequest, gzipBytes: variant.gzipBytes });
      }
    } finally {
      await Promise.all([...running.values()].map((variant) => variant.mf.dispose()));
    }
    const example = await bundle({ path: join(root, 'worker-exporter/example/src/index.ts') }, join(work, 'worker-example.js'));
    const uninstrumented = results.get('uninstrumented');
    if (!uninstrumented || 'error' in uninstrumented) throw new Error(`the uninstrumented worker did not run: ${uninstrumented && 'error' in uninstrumented ? uninstrumented.error : ''}`);
    for (const name of Object.keys(variants).filter((variant) => variant !== 'uninstrumented')) {
      const result = results.get(name)!;
      if ('error' in result) {
        record({ section: '5 worker', metric: `${name}: did not bundle or run (${result.error})`, value: NaN, unit: '', reference: 'uninstrumented handler', referenceValue: uninstrumented.ms });
        continue;
      }
      record({ section: '5 worker', metric: `${name}: wall time per request, median of ${requests}`, value: result.ms, unit: 'ms', reference: 'uninstrumented handler', referenceValue: uninstrumented.ms });
      record({ section: '5 worker', metric: `${name}: workerd CPU time per request, mean of ${requests}`, value: result.cpuMs, unit: 'ms', reference: 'uninstrumented handler', referenceValue: uninstrumented.cpuMs });
      record({ section: '5 worker', metric: `${name}: bundle, minified + gzip`, value: result.gzipBytes / 1024, unit: 'KiB', reference: 'uninstrumented handler', referenceValue: uninstrumented.gzipBytes / 1024 });
    }
    const cf = results.get('otel-cf-workers');
    const seam = results.get('seam');
    if (cf && !('error' in cf) && seam && !('error' in seam)) {
      // The goal itself: what Seam adds to a request against what otel-cf-workers adds.
      const added = { reference: 'otel-cf-workers, added to the uninstrumented handler', goal: '≤0.5' };
      record({ section: '5 worker', metric: 'seam: added CPU time per request', value: seam.cpuMs - uninstrumented.cpuMs, unit: 'ms', ...added, referenceValue: cf.cpuMs - uninstrumented.cpuMs });
      record({ section: '5 worker', metric: 'seam: added wall time per request', value: seam.ms - uninstrumented.ms, unit: 'ms', ...added, referenceValue: cf.ms - uninstrumented.ms });
      record({ section: '5 worker', metric: 'seam: added bundle', value: (seam.gzipBytes - uninstrumented.gzipBytes) / 1024, unit: 'KiB', ...added, referenceValue: (cf.gzipBytes - uninstrumented.gzipBytes) / 1024 });
    }
    if (cf && !('error' in cf)) {
      record({ section: '5 worker', metric: 'example gateway (auth, mapping, propagation), minified + gzip', value: example.gzipBytes / 1024, unit: 'KiB', reference: 'otel-cf-workers handler bundle', referenceValue: cf.gzipBytes / 1024 });
    }
  } finally {
    await new Promise((resolve) => sink.close(resolve));
  }
}
