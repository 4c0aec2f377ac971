import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../collector/src/auth/bearer.ts';
import { consoleRoutes } from '../collector/src/api/console.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';

// With credentials required, the console asks for a token once per tab and keeps it for that tab only.
let collector: TestCollector;
let browser: Browser;
const token = 'console-test-token';

/** The API's own 401 message for this token (or none), which the prompt must show unchanged. */
async function refusal(bearer?: string): Promise<string> {
  const response = await fetch(collector.url('api', '/api/v1/keys'), { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  expect(response.status).toBe(401);
  return ((await response.json()) as { error: { message: string } }).error.message;
}

beforeAll(async () => {
  const build = promisify(execFile)('node', ['console/build.mjs']);
  collector = await startTestCollector({ SEAM_AUTH: 'on', SEAM_TOKEN_HASHES: hashToken(token) });
  await build;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await collector?.close();
});

describe('console with API credentials on', () => {
  it('serves the page itself without credentials, so the prompt can be shown', async () => {
    expect((await fetch(collector.url('api', '/'))).status).toBe(200);
  });

  it('asks for a token on 401, states a wrong one as the API refused it, and keeps a right one for the tab only', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(collector.url('api', '/?view=keys'));
    const prompt = page.locator('form.token-prompt');
    await prompt.waitFor();
    expect(await page.getByRole('alert').textContent()).toBe(await refusal());

    await page.getByLabel('API token or JWT').fill('not-the-token');
    await page.getByRole('button', { name: 'Use token' }).click();
    const wrong = await refusal('not-the-token');
    expect(wrong).not.toBe(await refusal());
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toBe(wrong);
    expect(await prompt.isVisible()).toBe(true);

    await page.getByLabel('API token or JWT').fill(token);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('section h2', { hasText: 'Signing keys' }).waitFor();
    await page.getByText('no signing keys seen').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('seam.token'))).toBe(token);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    await page.reload();
    await page.getByText('no signing keys seen').waitFor();
    expect(await prompt.count()).toBe(0);
    await context.close();

    const fresh = await browser.newContext();
    const again = await fresh.newPage();
    await again.goto(collector.url('api', '/?view=mismatches'));
    await again.locator('form.token-prompt').waitFor();
    await fresh.close();
  });
});

describe('console not built', () => {
  it('answers / with how to build it instead of failing', async () => {
    const app = Fastify();
    await app.register(consoleRoutes, { dist: `${mkdtempSync(join(tmpdir(), 'seam-console-'))}/` });
    const response = await app.inject({ method: 'GET', url: '/?q=auth0%7Cuser-1' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('console not built; run npm run build:console');
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    await app.close();
  });

  it('serves only files the build wrote under assets', async () => {
    const dist = `${mkdtempSync(join(tmpdir(), 'seam-console-'))}/`;
    writeFileSync(join(dist, 'secret.js'), 'not an asset');
    const app = Fastify();
    await app.register(consoleRoutes, { dist });
    for (const url of ['/assets/..%2Fsecret.js', '/assets/.hidden.js', '/assets/main.map', '/assets/missing-ABC.js']) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    }
    await app.close();
  });
});
