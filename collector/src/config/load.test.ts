import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.ts';
import { defaultConfig } from './schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'seam-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('configuration', () => {
  it('loads the example in collector/README.md, which spells out every default', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(loadConfig({}, file('readme.yaml', yaml))).toEqual(defaultConfig);
  });

  it('lets environment variables override the file', () => {
    const config = loadConfig({ SEAM_API_PORT: '9090', SEAM_TOKEN_HASHES: `${'a'.repeat(64)}, ${'b'.repeat(64)}` }, file('ports.yaml', 'ports: { api: 8081, zipkin: 9412 }\n'));
    expect(config.ports).toMatchObject({ api: 9090, zipkin: 9412 });
    expect(config.tokenHashes).toEqual(['a'.repeat(64), 'b'.repeat(64)]);
  });

  it.each([
    ['an unknown key, naming it and the known ones', 'writer: { batchRows: 5 }\n', /unknown setting "writer.batchRows"; known here: maxBatchRows/],
    ['a wrong type, naming the key', 'limits: { maxSpansPerRequest: lots }\n', /setting "limits.maxSpansPerRequest" must be a number/],
    ['an enum value outside its set', 'auth: sometimes\n', /auth must be one of auto, on, off/],
    ['a port out of range', 'ports: { otlpHttp: 70000 }\n', /ports.otlpHttp must be a port number/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => loadConfig({}, file(`bad-${text.length}.yaml`, text))).toThrow(message);
  });

  it('says what to do when CLICKHOUSE_URL is not a URL or a token hash is not a SHA-256', () => {
    expect(() => loadConfig({ CLICKHOUSE_URL: 'clickhouse:8123' })).toThrow(/unset it to use the embedded store/);
    expect(() => loadConfig({ SEAM_TOKEN_HASHES: 'my-token' })).toThrow(ConfigError);
    expect(() => loadConfig({ SEAM_TOKEN_HASHES: 'my-token' })).toThrow(/seam token hash <token>/);
  });
});
