// The collector images' file sets, assembled by following the Dockerfile's own instructions (Docker
// itself cannot run here): the server image stays small, and both start with plain `node`.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../collector/src/config/load.ts';
import { schemaTarget } from '../collector/src/config/schema-target.ts';
import { renderMigrations, renderRepeatables } from '../collector/src/store/migrate.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const MB = 1_000_000;

interface Stage {
  /** Stands for the stage's `/`. */
  root: string;
  workdir?: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
}

/** `FROM x AS name` blocks as lists of instructions, with `\` continuations joined and comments dropped. */
function parseDockerfile(text: string): Map<string, { from: string; instructions: string[] }> {
  const stages = new Map<string, { from: string; instructions: string[] }>();
  let current: { from: string; instructions: string[] } | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const line of lines) {
    const from = /^FROM\s+(\S+)\s+AS\s+(\S+)$/i.exec(line);
    if (from) {
      current = { from: from[1]!, instructions: [] };
      stages.set(from[2]!, current);
    } else current!.instructions.push(line);
  }
  return stages;
}

/**
 * Builds a Dockerfile stage into a folder. COPY, WORKDIR, ENV, ENTRYPOINT and CMD are followed as
 * Docker would; RUN runs in the stage's working directory. Two substitutions, both outside the file
 * set under test: a RUN before WORKDIR sets up the operating system (the data folder's owner) and is
 * skipped, and the build stage's full `npm ci` (every devDependency, to compile) is this workspace's
 * own install of the same lockfile, linked rather than installed again.
 */
class DockerfileBuilder {
  private readonly stages: ReturnType<typeof parseDockerfile>;
  private readonly built = new Map<string, Stage>();

  constructor(
    dockerfile: string,
    private readonly work: string,
  ) {
    this.stages = parseDockerfile(dockerfile);
  }

  stage(name: string): Stage {
    const done = this.built.get(name);
    if (done) return done;
    const spec = this.stages.get(name);
    if (!spec) throw new Error(`the Dockerfile has no stage ${name}`);
    const root = join(this.work, name);
    let stage: Stage;
    if (this.stages.has(spec.from)) {
      const base = this.stage(spec.from);
      linkCopy(base.root, root);
      stage = { ...base, root, env: { ...base.env } };
    } else {
      mkdirSync(root, { recursive: true });
      stage = { root, env: {}, entrypoint: [], cmd: [] };
    }
    for (const instruction of spec.instructions) this.apply(stage, instruction);
    this.built.set(name, stage);
    return stage;
  }

  private apply(stage: Stage, instruction: string): void {
    const [, keyword, rest] = /^(\w+)\s+(.*)$/.exec(instruction)!;
    switch (keyword!.toUpperCase()) {
      case 'WORKDIR':
        stage.workdir = rest!;
        mkdirSync(join(stage.root, rest!), { recursive: true });
        return;
      case 'ENV':
        for (const [, key, value] of rest!.matchAll(/(\w+)=(\S+)/g)) stage.env[key!] = value!;
        return;
      case 'COPY':
        return this.copy(stage, rest!.split(/\s+/));
      case 'RUN':
        if (stage.workdir) this.run(stage, rest!);
        return;
      case 'ENTRYPOINT':
        stage.entrypoint = JSON.parse(rest!) as string[];
        return;
      case 'CMD':
        stage.cmd = JSON.parse(rest!) as string[];
        return;
      default:
      // USER, EXPOSE, HEALTHCHECK: nothing in the file set.
    }
  }

  private inStage(stage: Stage, path: string): string {
    return join(stage.root, isAbsolute(path) ? path : join(stage.workdir ?? '/', path));
  }

  private copy(stage: Stage, words: string[]): void {
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((w) => !w.startsWith('--'));
    const dest = paths.pop()!;
    const source = (path: string) => (from ? join(this.stage(from).root, path) : join(repo, path));
    for (const path of paths) {
      const src = source(path);
      if (lstatSync(src).isDirectory()) {
        if (from) linkCopy(src, this.inStage(stage, dest));
        else cpSync(src, this.inStage(stage, dest), { recursive: true });
      } else {
        const target = dest.endsWith('/') || paths.length > 1 ? join(dest, basename(path)) : dest;
        cpSync(src, this.inStage(stage, target));
      }
    }
  }

  private run(stage: Stage, command: string): void {
    const cwd = this.inStage(stage, '.');
    if (/^npm ci\b/.test(command) && !command.includes('--omit')) return linkWorkspaceInstall(cwd);
    // The npm cache that `npm ci` filled for this workspace holds every locked tarball.
    execFileSync('sh', ['-c', command], { cwd, stdio: 'pipe', env: { ...process.env, ...stage.env, npm_config_prefer_offline: 'true' } });
  }
}

/**
 * Copies a folder's contents between stages as hard links: the same bytes in both file sets, without
 * writing the embedded engine's 500 MB a second time.
 */
function linkCopy(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  execFileSync('cp', ['-a', '--link', `${from}/.`, to]);
}

/** node_modules as `npm ci` lays it out for the folder's workspaces, with the packages of this workspace's install. */
function linkWorkspaceInstall(app: string): void {
  const modules = join(app, 'node_modules');
  mkdirSync(join(modules, '@seam'), { recursive: true });
  for (const entry of readdirSync(join(repo, 'node_modules'))) {
    if (entry !== '@seam') symlinkSync(join(repo, 'node_modules', entry), join(modules, entry));
  }
  symlinkSync('../../collector', join(modules, '@seam', 'collector'));
  symlinkSync('../../worker-exporter', join(modules, '@seam', 'worker-exporter'));
}

/** Bytes of every file under `dir`, links counted as links, as an image layer stores them. */
function fileSetBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? fileSetBytes(path) : lstatSync(path).size;
  }
  return total;
}

describe('the collector images, assembled from the Dockerfile', () => {
  const work = mkdtempSync(join(tmpdir(), 'seam-image-'));
  const dataDir = join(work, 'data');
  const manifest = JSON.parse(readFileSync(join(repo, 'collector/package.json'), 'utf8')) as { version: string };
  let server: Stage;
  let embedded: Stage;

  // Two production installs and three builds: a busy machine needs more than the default hook timeout.
  beforeAll(() => {
    const builder = new DockerfileBuilder(readFileSync(join(repo, 'Dockerfile'), 'utf8'), work);
    server = builder.stage('seam');
    embedded = builder.stage('seam-embedded');
  }, 240_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Runs the image's entrypoint with plain `node`, as the container would, with `args` as its command. */
  function seam(stage: Stage, args: string[]) {
    const [program, ...entry] = stage.entrypoint;
    expect(program).toBe('node');
    return spawnSync(process.execPath, [...entry, ...args], {
      cwd: join(stage.root, stage.workdir!),
      encoding: 'utf8',
      // The image's environment, with the data folder (the container's /var/lib/seam) in the temporary folder.
      env: { PATH: process.env.PATH!, ...stage.env, SEAM_DATA_DIR: dataDir },
    });
  }

  test('the server image holds compiled code, queries and production dependencies within 60 MB', () => {
    const app = join(server.root, server.workdir!);
    const bytes = fileSetBytes(app);
    const embeddedBytes = fileSetBytes(join(embedded.root, embedded.workdir!));
    console.log(`image file sets: seam ${(bytes / MB).toFixed(1)} MB, seam-embedded ${(embeddedBytes / MB).toFixed(1)} MB`);
    expect(bytes).toBeLessThanOrEqual(60 * MB);

    const modules = readdirSync(join(app, 'node_modules'));
    for (const devOnly of ['typescript', 'tsx', 'vitest', 'esbuild', 'miniflare', 'wrangler', 'chdb']) expect(modules).not.toContain(devOnly);
    expect(modules).toContain('fastify');
    expect(readdirSync(join(app, 'collector'))).toEqual(expect.arrayContaining(['dist', 'package.json']));
    expect(readdirSync(join(app, 'collector'))).not.toContain('src');
    expect(readdirSync(join(app, 'collector/dist/decode/proto'))).toContain('otlp.proto');
    expect(readdirSync(join(app, 'console/dist'))).toContain('index.html');
    // The engine is the difference between the two images.
    expect(readdirSync(join(embedded.root, embedded.workdir!, 'node_modules'))).toContain('chdb');
    expect(embeddedBytes - bytes).toBeGreaterThan(100 * MB);
  });

  test('seam --version prints the collector version', () => {
    const run = seam(server, ['--version']);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe(manifest.version);
    expect(run.status).toBe(0);
  });

  test('seam migrate --print prints the schema the sources render', () => {
    const target = schemaTarget(loadConfig({}));
    const expected = [
      ...renderMigrations(target).map((m) => [`-- ${m.version} ${m.name}`, ...m.statements.map((s) => `${s};\n`)]),
      ...renderRepeatables(target).map((r) => [`-- ${r.name} (re-created on every run)`, ...r.statements.map((s) => `${s};\n`)]),
    ]
      .flat()
      .join('\n');
    const run = seam(server, ['migrate', '--print']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(expected.trim());
  });

  test('without the engine, asking for the embedded store names the remedy', () => {
    const script = `import('./collector/dist/store/embedded-engine.js').then((m) => m.loadEmbeddedEngine()).then(() => console.log('loaded'), (e) => console.log(e.message))`;
    const inServer = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: join(server.root, server.workdir!), encoding: 'utf8' });
    expect(inServer).toMatch(/chdb.*is not installed.*set CLICKHOUSE_URL.*seam-embedded/);
    const inEmbedded = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: join(embedded.root, embedded.workdir!), encoding: 'utf8' });
    expect(inEmbedded.trim()).toBe('loaded');
  });

  test('the embedded image migrates its own store', () => {
    const run = seam(embedded, ['migrate']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/embedded ClickHouse in .*: \d+ applied, 0 already applied/);
  });
});
