import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { toOtlpJson, type AbstractSpan } from '../test/generator/encode.ts';
import { spawnCollector } from './collector.ts';
import type { Row } from './run.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const browserArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const ms = 1_000_000n;
const envoy = { 'telemetry.sdk.name': 'envoy', 'telemetry.sdk.language': 'cpp' };

/**
 * The investigation console: page weight of the first view (gzip, as served) and the time to render a
 * request of 2 000 spans in headless Chromium, against a 20-span request measured the same way. The
 * request is an edge trace and a mesh trace joined by request id, read from a real collector (in its own
 * process: chdb allows one data directory per process) through the public API.
 */
export async function consoleBenchmarks(work: string, record: (row: Omit<Row, 'ratio'>) => void, progress: (text: string) => void): Promise<void> {
  progress('console: build');
  await promisify(execFile)(process.execPath, [join(root, 'console/build.mjs')]);
  progress('console: collector');
  const collector = await spawnCollector(join(work, 'console-store'));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: browserArgs });
  try {
    const base = `http://127.0.0.1:${collector.ports.api}`;
    const now = BigInt(Date.now() - 60_000) * ms;
    const large = await storeRequest(collector.ports.otlpHttp, 2000, now, 'a');
    const small = await storeRequest(collector.ports.otlpHttp, 20, now + 1000n * ms, 'b');
    await collector.caughtUp();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });

    progress('console: page weight');
    await page.goto(`${base}/`, { waitUntil: 'networkidle' });
    const weight = (await page.evaluate(
      `(() => { const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
        return { encoded: entries.reduce((sum, e) => sum + e.encodedBodySize, 0), decoded: entries.reduce((sum, e) => sum + e.decodedBodySize, 0) }; })()`,
    )) as { encoded: number; decoded: number };
    record({ section: '7 console', metric: 'first view (page, script, style) as served, gzip', value: weight.encoded / 1024, unit: 'KiB', reference: 'the same files uncompressed', referenceValue: weight.decoded / 1024, goal: '≤100 KB' });

    const largeMs = await renderTimes(page, large, 5, (text) => progress(`console: render 2000 spans ${text}`));
    const smallMs = await renderTimes(page, small, 5, (text) => progress(`console: render 20 spans ${text}`));
    record({ section: '7 console', metric: 'request of 2 000 spans (edge + mesh trace): API answer → waterfall painted, median of 5', value: median(largeMs), unit: 'ms', reference: 'request of 20 spans, same measurement', referenceValue: median(smallMs), goal: '≤500 ms' });
  } finally {
    await browser.close();
    await collector.stop();
  }
}

interface Stored {
  traceId: string;
  spans: number;
}

/** An edge trace (SERVER + CLIENT) and a mesh trace of `total - 2` spans, linked by x-request-id. */
async function storeRequest(otlpPort: number, total: number, startNs: bigint, tag: string): Promise<Stored> {
  const edgeTrace = `${tag}e`.padEnd(32, '0');
  const meshTrace = `${tag}f`.padEnd(32, '0');
  const requestId = `bench-${tag}-request`;
  const hex = (n: number) => n.toString(16).padStart(15, '0');
  const edgeResource = { 'cloud.provider': 'cloudflare', 'cloud.platform': 'cloudflare.workers' };
  const spans: AbstractSpan[] = [
    { traceId: edgeTrace, spanId: `${tag}${hex(1)}`, parentId: '', name: 'GET /api/v1/products', kind: 'Server', service: 'edge-gateway', startNs, durationNs: 900n * ms, resource: edgeResource,
      attributes: { 'enduser.id': 'auth0|bench', 'seam.authz.decision': 'allow', 'seam.authz.policy': 'route:/api/', 'seam.auth.kid': 'bench-key' } },
    { traceId: edgeTrace, spanId: `${tag}${hex(2)}`, parentId: `${tag}${hex(1)}`, name: 'fetch GET', kind: 'Client', service: 'edge-gateway', startNs: startNs + ms, durationNs: 890n * ms, resource: edgeResource,
      attributes: { 'seam.request_id': requestId, 'enduser.id': 'auth0|bench' } },
    { traceId: meshTrace, spanId: `${tag}${hex(3)}`, parentId: '', name: 'productpage.default.svc.cluster.local:9080/*', kind: 'Server', service: 'istio-ingressgateway.istio-system', startNs: startNs + 2n * ms, durationNs: 880n * ms, resource: envoy,
      attributes: { node_id: 'router~10.0.0.1~gw.istio-system~istio-system.svc.cluster.local', component: 'proxy', 'guid:x-request-id': requestId, 'http.status_code': '200', 'enduser.id': 'auth0|bench' } },
  ];
  for (let i = 4; i <= total; i++) {
    const service = `svc-${i % 40}.default`;
    spans.push({
      traceId: meshTrace, spanId: `${tag}${hex(i)}`, parentId: `${tag}${hex(i <= 43 ? 3 : 4 + ((i - 4) % 40))}`, name: `${service}.svc.cluster.local:9080/items/${i}`, kind: 'Server', service,
      startNs: startNs + BigInt(3 + (i % 800)) * ms, durationNs: BigInt(5 + (i % 70)) * ms, resource: envoy,
      attributes: { node_id: `sidecar~10.0.1.${i % 250}~${service}~default.svc.cluster.local`, component: 'proxy', 'guid:x-request-id': requestId, 'http.status_code': '200', upstream_cluster: 'inbound|9080||' },
    });
  }
  const response = await fetch(`http://127.0.0.1:${otlpPort}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toOtlpJson(spans) });
  if (response.status !== 200) throw new Error(`storing the ${total}-span request: ${response.status} ${await response.text()}`);
  return { traceId: edgeTrace, spans: total };
}

/**
 * Opens the request view from the landing view as a click on a link does, and times from the end of the
 * API's answer (resource timing) to the frame after the last span row is in the document.
 */
async function renderTimes(page: Page, request: Stored, repeats: number, progress: (text: string) => void): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < repeats; run++) {
    progress(`${run + 1}/${repeats}`);
    const measured = (await page.evaluate(`(async () => {
      const go = (search) => { history.pushState(null, '', search || '/'); dispatchEvent(new PopStateEvent('popstate')); };
      const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
      go(''); await frame(); await frame();
      performance.clearResourceTimings();
      go('?view=request&trace=${request.traceId}');
      const deadline = performance.now() + 30000;
      while (document.querySelectorAll('.waterfall .span').length < ${request.spans}) {
        if (performance.now() > deadline) return { error: document.querySelector('main')?.textContent?.slice(0, 300) };
        await frame();
      }
      await frame();
      const painted = performance.now();
      const answer = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/traces/')).at(-1);
      return { ms: painted - answer.responseEnd };
    })()`)) as { ms: number } | { error: string };
    if ('error' in measured) throw new Error(`the console did not render ${request.spans} spans of ${request.traceId}: ${measured.error}`);
    times.push(measured.ms);
  }
  return times;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
