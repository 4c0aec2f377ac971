// @seam/worker-exporter as a Worker author meets it: `npm pack`, installed from the tarball into a
// project outside this repository, type-checked against its declarations, bundled the way wrangler
// bundles, and run in workerd, where a request is traced and its spans reach an OTLP receiver.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attr, startOtlpSink } from '../worker-exporter/test/support/servers.ts';
import { startWorkerd } from '../worker-exporter/test/support/workerd.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const packageDir = join(root, 'worker-exporter');

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

/**
 * The registry tarball URL of the version the workspace's lockfile installed. Installing by URL lets
 * `npm install --offline` take it from the npm cache that `npm ci` filled, without the registry's
 * package documents, which `npm ci` never fetches.
 */
function lockedTarball(name: string): string {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  const locked = lock.packages[`node_modules/${name}`];
  if (!locked) throw new Error(`${name} is not in package-lock.json`);
  const registry = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim().replace(/\/?$/, '/');
  return `${registry}${name}/-/${name.split('/').pop()}-${locked.version}.tgz`;
}

const workerSource = `import { trace } from '@opentelemetry/api';
import { instrument } from '@seam/worker-exporter';

interface Env {
  OTLP_URL: string;
}

const tracer = trace.getTracer('scratch-worker');

export default instrument(
  {
    async fetch(request: Request): Promise<Response> {
      return tracer.startActiveSpan('greet', async (span) => {
        span.setAttribute('greeting.path', new URL(request.url).pathname);
        span.end();
        return new Response('hello from the scratch worker');
      });
    },
  },
  (env: Env) => ({ service: { name: 'scratch-worker', version: '1.2.3' }, exporter: { url: env.OTLP_URL }, batch: { delayMs: 0 } }),
);
`;

// A Worker project's usual TypeScript settings: strict, bundler resolution, and no
// allowImportingTsExtensions, so the package's declarations must stand on their own.
const workerTsconfig = {
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    strict: true,
    noEmit: true,
    lib: ['ES2023', 'WebWorker'],
    types: [],
  },
  include: ['src'],
};

describe('the packed @seam/worker-exporter in a Worker project of its own', () => {
  const work = mkdtempSync(join(tmpdir(), 'seam-worker-package-'));
  const project = join(work, 'edge-worker');
  let packed: PackResult;
  let bundle: string;

  beforeAll(() => {
    // `npm pack` runs the package's prepack script, which compiles it.
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: packageDir, encoding: 'utf8' });
    packed = (JSON.parse(out.slice(out.indexOf('['))) as PackResult[])[0]!;

    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'edge-worker', private: true, type: 'module' }));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(workerTsconfig));
    writeFileSync(join(project, 'src', 'worker.ts'), workerSource);
    // jose is named only because an offline install cannot look up a version range.
    execFileSync(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', join(work, packed.filename), lockedTarball('@opentelemetry/api'), lockedTarball('jose')],
      { cwd: project, stdio: 'pipe' },
    );
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('ships compiled modules and declarations for each entry point, and nothing else', () => {
    const files = packed.files.map((f) => f.path);
    for (const entry of ['index', 'trace', 'rules']) {
      expect(files).toContain(`dist/${entry}.js`);
      expect(files).toContain(`dist/${entry}.d.ts`);
    }
    expect(files).toContain('README.md');
    expect(files.filter((f) => !f.startsWith('dist/') && f !== 'README.md' && f !== 'package.json')).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.some((f) => f.includes('tsbuildinfo'))).toBe(false);
    console.log(`packed @seam/worker-exporter: ${packed.size} bytes (${(packed.size / 1024).toFixed(1)} KiB), unpacked ${packed.unpackedSize} bytes`);
  });

  test('installs with @opentelemetry/api as a peer, not a copy of its own', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/@seam/worker-exporter/package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.private).toBeUndefined();
    expect(manifest.sideEffects).toBe(false);
    expect(manifest.peerDependencies).toHaveProperty('@opentelemetry/api');
    expect(() => readFileSync(join(project, 'node_modules/@seam/worker-exporter/node_modules/@opentelemetry/api/package.json'))).toThrow();
  });

  test('type-checks a Worker against the declarations, and rejects a wrong configuration', () => {
    const typecheck = () => spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], { encoding: 'utf8' });
    const clean = typecheck();
    expect(clean.stdout).toBe('');
    expect(clean.status).toBe(0);
    writeFileSync(join(project, 'src', 'wrong.ts'), `import { instrument } from '@seam/worker-exporter/trace';\nexport default instrument({}, () => ({ service: { name: 42 } }));\n`);
    try {
      const wrong = typecheck();
      expect(wrong.status).not.toBe(0);
      expect(wrong.stdout).toMatch(/wrong\.ts.*not assignable to type 'string'/);
    } finally {
      rmSync(join(project, 'src', 'wrong.ts'));
    }
  });

  test('bundles with the conditions wrangler uses', async () => {
    const out = await build({
      absWorkingDir: project,
      entryPoints: ['src/worker.ts'],
      bundle: true,
      format: 'esm',
      conditions: ['workerd', 'worker', 'browser'],
      write: false,
      logLevel: 'silent',
    });
    bundle = out.outputFiles[0]!.text;
    expect(bundle).toContain('scratch-worker');
  });

  test('traces a request in workerd and exports its spans', async () => {
    const sink = await startOtlpSink();
    let worker: Miniflare | undefined;
    try {
      worker = startWorkerd({ script: bundle, bindings: { OTLP_URL: `${sink.url}/v1/traces` } });
      const res = await worker.dispatchFetch('http://edge.example.com/greet?who=you');
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('hello from the scratch worker');

      const spans = await sink.waitFor((got) => got.some((s) => s.name === 'greet'));
      const server = spans.find((s) => s.kind === 2);
      const greet = spans.find((s) => s.name === 'greet')!;
      expect(server).toBeDefined();
      expect(attr(server!, 'url.path')).toBe('/greet');
      expect(server!.resource['service.name']).toBe('scratch-worker');
      // The Worker's own @opentelemetry/api span joins the request's trace.
      expect(greet.traceId).toBe(server!.traceId);
      expect(greet.parentSpanId).toBe(server!.spanId);
      expect(attr(greet, 'greeting.path')).toBe('/greet');
    } finally {
      await worker?.dispose();
      await sink.close();
    }
  });

  test('loads in Node too, where the collector reads the rules documents with it', () => {
    const script = `import('@seam/worker-exporter/rules').then((m) => console.log(typeof m.parseMapping))`;
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' }).trim()).toBe('function');
  });
});
