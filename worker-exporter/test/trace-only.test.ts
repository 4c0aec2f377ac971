import type { Miniflare } from 'miniflare';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attr, startOrigin, startOtlpSink } from './support/servers.ts';
import { bundleWorker, startWorkerd } from './support/workerd.ts';

let script: string;
let fullBuild: string;
let origin: Awaited<ReturnType<typeof startOrigin>>;
let otlp: Awaited<ReturnType<typeof startOtlpSink>>;
let mf: Miniflare | undefined;

beforeAll(async () => {
  script = await bundleWorker(join(import.meta.dirname, 'workers', 'trace-only.ts'));
  fullBuild = await bundleWorker(join(import.meta.dirname, 'workers', 'harness.ts'));
  origin = await startOrigin();
  otlp = await startOtlpSink();
});
afterEach(async () => {
  await mf?.dispose();
  mf = undefined;
});
afterAll(async () => {
  await origin.close();
  await otlp.close();
});

async function worker(withAuth: boolean, onLog?: (line: string) => void): Promise<Miniflare> {
  mf = startWorkerd({
    script,
    nodejsCompat: true,
    bindings: { OTLP_URL: `${otlp.url}/v1/traces`, ORIGIN_URL: origin.url, WITH_AUTH: withAuth ? '1' : '0' },
    ...(onLog ? { onLog } : {}),
  });
  await mf.ready;
  return mf;
}

describe('the tracing-only build (@seam/worker-exporter/trace) in workerd', () => {
  it('traces requests and propagates into the mesh, with no token verification code in the bundle', async () => {
    const res = await (await worker(false)).dispatchFetch('https://edge.test/');
    expect(await res.text()).toBe('traced 200');
    const spans = await otlp.waitFor((s) => s.length >= 2);
    const server = spans.find((s) => s.kind === 2)!;
    const client = spans.find((s) => s.kind === 3)!;
    expect(client.parentSpanId).toBe(server.spanId);
    expect(attr(server, 'seam.authz.decision')).toBeUndefined();
    expect(String(origin.seen.at(-1)!.headers.traceparent)).toBe(`00-${server.traceId}-${client.spanId}-01`);
    // jose's error codes are in the full build and not in this one.
    expect(fullBuild).toContain('ERR_JWT_EXPIRED');
    expect(script).not.toContain('ERR_JWT_EXPIRED');
  });

  it('refuses a config with auth, letting no request through, and says which build to import', async () => {
    let logged = '';
    const before = origin.seen.length;
    const res = await (await worker(true, (line) => (logged += line))).dispatchFetch('https://edge.test/');
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('seam_config_error');
    expect(origin.seen.length).toBe(before);
    await expect.poll(() => logged).toContain("only traces and cannot use auth; import { instrument } from '@seam/worker-exporter' instead");
  });
});
