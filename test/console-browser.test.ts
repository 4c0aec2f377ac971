import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTraffic, type Truth } from './generator/traffic.ts';
import { postJson, startTestCollector, type TestCollector } from './helpers/collector.ts';
import { sendBatches } from './helpers/send.ts';

// The investigation console, built as `npm run build:console` builds it, served by a real collector
// holding generated edge and mesh traffic, driven in headless Chromium.
let collector: TestCollector;
let browser: Browser;
let page: Page;
let truth: Truth;
const hostile = `<img src=x onerror="window.__xss=1">`;
const hostileTrace = 'ee00000000000000000000000000c0de';
/** Chromium reports a blocked script, style or connection as a console error naming the policy. */
const policyViolations: string[] = [];

interface SpanJson {
  traceId: string;
  layer: string;
  attributes: Record<string, string>;
}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(collector.url('api', `/api/v1${path}`));
  expect(response.status, `${path}: ${response.status}`).toBe(200);
  return (await response.json()) as T;
}

/** A generated edge ↔ mesh pair joined by `method`, with the edge half's spans as the API returns them. */
async function linkedPair(method: string): Promise<{ edge: string; mesh: string; edgeSpans: SpanJson[] }> {
  for (const [pair, found] of truth.links) {
    if (found !== method) continue;
    const [edge, mesh] = pair.split('|') as [string, string];
    const doc = await api<{ spans: SpanJson[] }>(`/traces/${edge}`);
    if (doc.spans.some((span) => span.traceId === mesh)) return { edge, mesh, edgeSpans: doc.spans.filter((span) => span.traceId === edge) };
  }
  throw new Error(`no stored ${method} link in the generated traffic`);
}

function attribute(spans: SpanJson[], name: string): string {
  const value = spans.map((span) => span.attributes[name]).find((found) => found);
  if (!value) throw new Error(`no edge span carries ${name}`);
  return value;
}

async function open(path: string): Promise<void> {
  await page.goto(collector.url('api', path));
}

/** The trace ids the request view shows as its halves. */
async function shownTraces(): Promise<string[]> {
  await page.locator('.waterfall').waitFor();
  return page.locator('.facts a.mono').allTextContents();
}

beforeAll(async () => {
  const build = promisify(execFile)('node', ['console/build.mjs']);
  collector = await startTestCollector();
  const traffic = generateTraffic({ requests: 300, seed: 15, startMs: Date.now() - 20 * 60_000 });
  truth = traffic.truth;
  await sendBatches(collector, traffic.batches);
  const startNs = (BigInt(Date.now() - 60_000) * 1_000_000n).toString();
  const response = await postJson(collector.url('otlpHttp', '/v1/traces'), {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop-edge' } }, { key: 'cloud.provider', value: { stringValue: 'cloudflare' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: hostileTrace,
                spanId: 'ee0000000000c0de',
                name: hostile,
                kind: 2,
                startTimeUnixNano: startNs,
                endTimeUnixNano: (BigInt(startNs) + 5_000_000n).toString(),
                attributes: [{ key: 'note', value: { stringValue: '<script>window.__xss=2</script>' } }],
              },
            ],
          },
        ],
      },
    ],
  });
  expect(response.status).toBe(200);
  await build;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (error) => {
    throw error;
  });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) policyViolations.push(message.text());
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await collector?.close();
});

describe('investigation console', () => {
  it('serves the page with a CSP that allows no inline script, and the other security headers', async () => {
    const response = await fetch(collector.url('api', '/?q=anything'), { headers: { 'accept-encoding': 'gzip' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const asset = await fetch(collector.url('api', script!));
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(collector.url('api', '/assets/..%2F..%2Fpackage.json'))).status).toBe(404);
  });

  it('opens a trace id search on the request, both halves of a broken-propagation request on one time axis', async () => {
    const { edge, mesh } = await linkedPair('cf_ray');
    await open(`/?q=${edge}`);
    expect((await shownTraces()).sort()).toEqual([edge, mesh].sort());
    await expect.poll(() => page.locator('.lane').evaluateAll((lanes) => lanes.map((lane) => lane.getAttribute('data-layer'))), { timeout: 10_000 }).toEqual(
      expect.arrayContaining(['edge', 'gateway']),
    );
    expect(await page.locator(`.span .bar.t0`).count()).toBeGreaterThan(0);
    expect(await page.locator(`.span .bar.t1`).count()).toBeGreaterThan(0);
    expect(await page.locator('.facts .link').textContent()).toContain('cf_ray');
    expect(await page.locator('.mismatch.broken_propagation').textContent()).toMatch(/joined by cf_ray \(confidence [0-9.]+\)/);
    expect(await page.locator('.decision').count()).toBeGreaterThanOrEqual(2);
    await page.locator('.span .label').first().click();
    expect(await page.locator('.attributes').first().textContent()).toContain('span id');
  });

  it('finds the request by ray id, by request id and by subject', async () => {
    const ray = await linkedPair('cf_ray');
    await open(`/?q=${encodeURIComponent(attribute(ray.edgeSpans, 'cloudflare.ray_id'))}`);
    expect(await shownTraces()).toEqual(expect.arrayContaining([ray.edge, ray.mesh]));

    const byRequestId = await linkedPair('request_id');
    await open(`/?q=${encodeURIComponent(attribute(byRequestId.edgeSpans, 'seam.request_id'))}`);
    expect(await shownTraces()).toEqual(expect.arrayContaining([byRequestId.edge, byRequestId.mesh]));

    const subject = attribute(byRequestId.edgeSpans, 'enduser.id');
    await open('/');
    await page.getByLabel('search').fill(subject);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((url) => url.searchParams.get('q') === subject);
    await page.locator('.waterfall, table.traces').first().waitFor();
    expect(await page.locator('main').textContent()).toContain(byRequestId.edge);
    await page.getByRole('link', { name: `identity timeline of ${subject}` }).click();
    await page.locator('table.timeline').waitFor();
    const rows = await page.locator('table.timeline tbody tr').allTextContents();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.join('\n')).toContain('edge');
    await page.locator('table.traces').waitFor();
    expect(await page.locator('table.traces').textContent()).toContain(byRequestId.edge);
  });

  it('pages the mismatch list with the API cursors, filters by kind, and opens a row as its request', async () => {
    await open('/?view=mismatches');
    await page.locator('table.mismatch-list').waitFor();
    const first = await page.locator('table.mismatch-list tbody tr').allTextContents();
    expect(first).toHaveLength(50);
    await page.getByRole('link', { name: 'older →' }).click();
    await page.waitForURL((url) => url.searchParams.has('cursor'));
    const rows = page.locator('table.mismatch-list tbody tr');
    // Older rows only: none of the first page's rows again.
    await expect.poll(async () => (await rows.allTextContents()).filter((row) => !first.includes(row)).length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect((await rows.allTextContents()).filter((row) => first.includes(row))).toEqual([]);
    await page.goBack();
    await expect.poll(() => rows.allTextContents(), { timeout: 10_000 }).toEqual(first);

    await page.locator('select[name=kind]').selectOption('edge_allow_mesh_deny');
    await page.waitForURL((url) => url.searchParams.get('kind') === 'edge_allow_mesh_deny');
    const kinds = page.locator('table.mismatch-list tbody tr td:nth-child(2)');
    await expect.poll(async () => [...new Set(await kinds.allTextContents())], { timeout: 10_000 }).toEqual(['edge_allow_mesh_deny']);
    const sentence = await page.locator('table.mismatch-list tbody tr td:nth-child(3)').first().textContent();
    expect(sentence).toMatch(/^the edge allowed \S+; the mesh at \S+ denied: /);
    await page.locator('table.mismatch-list tbody tr a').first().click();
    await page.waitForURL((url) => url.searchParams.get('view') === 'request');
    expect(await page.locator('.mismatch.edge_allow_mesh_deny').textContent()).toMatch(/the edge allowed \S+; the (sidecar of|gateway) \S+ denied: /);
  });

  it('shows the signing keys with their age and use past the rotation window', async () => {
    await open('/?view=keys');
    await page.locator('table.keys').waitFor();
    const text = await page.locator('table.keys').textContent();
    expect(text).toContain('edge-2026-old');
    expect(text).toMatch(/\d+ requests past the rotation window/);
  });

  it('shows markup in a span name and attribute as text, never as elements', async () => {
    await open(`/?q=${hostileTrace}`);
    await page.locator('.waterfall').waitFor();
    expect(await page.locator('.span .name').first().textContent()).toBe(hostile);
    await page.locator('.span .label').first().click();
    expect(await page.locator('.attributes').textContent()).toContain('<script>window.__xss=2</script>');
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    // Nothing the console itself does (scripts, styles set on bars, API calls) runs into its own policy.
    expect(policyViolations).toEqual([]);
  });

  it('states an API refusal as the API worded it', async () => {
    await open('/?view=request&trace=0123456789abcdef0123456789abcdef');
    expect(await page.getByRole('alert').textContent()).toContain('404 not_found: no spans stored for trace 0123456789abcdef0123456789abcdef');
  });
});
