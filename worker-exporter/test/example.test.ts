import { createLocalJWKSet, jwtVerify, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import type { Miniflare } from 'miniflare';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildExample } from '../example/build.mjs';
import { SIGNING_KEYS_KV_KEY } from '../src/assertion/keys.ts';
import { rotateSigningKeys } from '../src/assertion/rotate.ts';
import type { KVStore } from '../src/lib/runtime.ts';
import { AUDIENCE, createIdp, ISSUER, unsignedToken } from './support/idp.ts';
import { attr, startJwksServer, startOrigin, startOtlpSink, type OtlpSpan } from './support/servers.ts';
import { startWorkerd } from './support/workerd.ts';

const CLAIM_MAPPING = JSON.stringify({
  schema: 'seam.claim-mapping/v1',
  rules: [
    { id: 'everyone', claim: 'sub', values: ['*'], groups: ['authenticated'] },
    { id: 'staff', claim: 'email', values: ['*@example.com'], groups: ['staff'] },
    { id: 'admins', claim: 'https://example.com/roles', values: ['admin'], groups: ['mesh-admin'] },
  ],
});
const ROUTE_POLICY = JSON.stringify({
  schema: 'seam.route-policy/v1',
  name: 'edge-routes',
  default: 'deny',
  rules: [
    { id: 'products-read', methods: ['GET', 'HEAD'], pathPrefix: '/api/v1/products', groups: ['authenticated'] },
    { id: 'admin', methods: ['*'], pathPrefix: '/admin/', groups: ['mesh-admin'] },
  ],
});
const SUBJECT = 'auth0|64f1c2d3e4a5b6c7d8e9f001';
const CRON = { cron: '0 */6 * * *' };

let script: string;
let idp: Awaited<ReturnType<typeof createIdp>>;
let jwksServer: Awaited<ReturnType<typeof startJwksServer>>;
let origin: Awaited<ReturnType<typeof startOrigin>>;
let otlp: Awaited<ReturnType<typeof startOtlpSink>>;
let mf: Miniflare | undefined;
const tempDirs: string[] = [];

beforeAll(async () => {
  // The test runs the artefact the build script writes, exactly as it would be deployed.
  const built = await buildExample();
  script = readFileSync(built.outfile, 'utf8');
  idp = await createIdp();
  jwksServer = await startJwksServer(idp.jwks);
  origin = await startOrigin();
  otlp = await startOtlpSink();
});
afterEach(async () => {
  await mf?.dispose();
  mf = undefined;
});
afterAll(async () => {
  await Promise.all([jwksServer.close(), origin.close(), otlp.close()]);
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

async function gateway(overrides: Record<string, string> = {}, kvPersist?: string): Promise<Miniflare> {
  mf = startWorkerd({
    script,
    nodejsCompat: true,
    kvNamespaces: ['JWKS_CACHE', 'SIGNING_KEYS'],
    ...(kvPersist ? { kvPersist } : {}),
    bindings: {
      SEAM_OTLP_URL: `${otlp.url}/v1/traces`,
      JWKS_URL: jwksServer.jwksUrl,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      ORIGIN_URL: origin.url,
      CLAIM_MAPPING,
      ROUTE_POLICY,
      ASSERTION_ISSUER: 'https://edge.test',
      ASSERTION_AUDIENCE: 'mesh.test',
      ...overrides,
    },
  });
  await mf.ready;
  return mf;
}

function call(worker: Miniflare, path: string, token?: string, ray = `${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}-FRA`) {
  return worker.dispatchFetch(`https://edge.test${path}`, {
    headers: { 'cf-ray': ray, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
}

async function spansOfRay(ray: string, count = 1): Promise<OtlpSpan[]> {
  const all = await otlp.waitFor((spans) => {
    const server = spans.find((s) => attr(s, 'cloudflare.ray_id') === ray);
    return !!server && spans.filter((s) => s.traceId === server.traceId).length >= count;
  });
  const server = all.find((s) => attr(s, 'cloudflare.ray_id') === ray)!;
  return all.filter((s) => s.traceId === server.traceId);
}

async function publishedJwks(worker: Miniflare): Promise<JSONWebKeySet> {
  const res = await call(worker, '/.well-known/jwks.json');
  expect(res.status).toBe(200);
  return (await res.json()) as JSONWebKeySet;
}

function lastForwarded() {
  return origin.seen.at(-1)!;
}

describe('example gateway (built dist/worker.js in workerd)', () => {
  it('forwards an allowed request with propagation headers, request id and a verifiable identity assertion', async () => {
    const worker = await gateway();
    const token = await idp.sign({ sub: SUBJECT, email: 'ana@example.com' });
    const ray = '8f3a1c2b9d4e5f60-FRA';
    const res = await call(worker, '/api/v1/products/7?x=1', token, ray);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ origin: true, path: '/api/v1/products/7?x=1' });

    const forwarded = lastForwarded();
    const spans = await spansOfRay(ray, 2);
    const server = spans.find((s) => s.kind === 2)!;
    const client = spans.find((s) => s.kind === 3)!;
    expect(client.parentSpanId).toBe(server.spanId);
    expect(server.name).toBe('GET /api/v1/products*');
    expect(forwarded.headers.traceparent).toBe(`00-${server.traceId}-${client.spanId}-01`);
    expect(forwarded.headers['x-b3-traceid']).toBe(server.traceId);
    expect(forwarded.headers['x-b3-spanid']).toBe(client.spanId);
    expect(forwarded.headers['x-b3-parentspanid']).toBe(server.spanId);
    expect(forwarded.headers['x-b3-sampled']).toBe('1');
    expect(forwarded.headers['x-request-id']).toBe(attr(client, 'seam.request_id'));
    expect(attr(client, 'enduser.id')).toBe(attr(server, 'enduser.id'));

    const mappingVersion = attr(server, 'seam.mapping.version');
    expect(mappingVersion).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect({
      decision: attr(server, 'seam.authz.decision'),
      reason: attr(server, 'seam.authz.reason'),
      policy: attr(server, 'seam.authz.policy'),
      subject: attr(server, 'enduser.id'),
      issuer: attr(server, 'seam.auth.issuer'),
      kid: attr(server, 'seam.auth.kid'),
      groups: attr(server, 'seam.auth.groups'),
      ray: attr(server, 'cloudflare.ray_id'),
      route: attr(server, 'http.route'),
    }).toEqual({
      decision: 'allow',
      reason: 'route_policy',
      policy: 'edge-routes/products-read',
      subject: SUBJECT,
      issuer: ISSUER,
      kid: idp.kid,
      groups: ['authenticated', 'staff'],
      ray,
      route: '/api/v1/products*',
    });
    // The caller's token never reaches the spans.
    expect(JSON.stringify(spans)).not.toContain(token.split('.')[2]!);
    expect(otlp.requests.at(-1)!.headers['content-encoding']).toBe('gzip');

    const assertion = String(forwarded.headers['x-seam-identity']);
    const { payload, protectedHeader } = await jwtVerify(assertion, createLocalJWKSet(await publishedJwks(worker)), {
      issuer: 'https://edge.test',
      audience: 'mesh.test',
      algorithms: ['ES256'],
    });
    expect(protectedHeader.kid).toBe(attr(client, 'seam.assertion.kid'));
    expect(payload).toMatchObject({
      sub: SUBJECT,
      groups: ['authenticated', 'staff'],
      orig_iss: ISSUER,
      orig_kid: idp.kid,
      mapping_version: mappingVersion,
      request_id: forwarded.headers['x-request-id'],
    });
    expect(payload.exp! - payload.iat!).toBe(60);
  });

  it.each([
    { name: 'expired', status: 401, reason: 'jwt_expired', token: () => idp.sign({ sub: SUBJECT }, { expiresIn: Math.floor(Date.now() / 1000) - 120 }) },
    { name: 'wrong issuer', status: 401, reason: 'jwt_issuer', token: () => idp.sign({ sub: SUBJECT }, { issuer: 'https://evil.test/' }) },
    { name: 'wrong audience', status: 401, reason: 'jwt_audience', token: () => idp.sign({ sub: SUBJECT }, { audience: 'https://other.test' }) },
    { name: 'bad signature', status: 401, reason: 'jwt_invalid', token: () => idp.sign({ sub: SUBJECT }, { key: idp.forgerKey }) },
    { name: 'alg none', status: 401, reason: 'jwt_invalid', token: async () => unsignedToken({ sub: SUBJECT }) },
    { name: 'missing', status: 401, reason: 'jwt_missing', token: async () => undefined },
    { name: 'valid but route not granted', status: 403, reason: 'route_policy', token: () => idp.sign({ sub: SUBJECT }), path: '/admin/users' },
    { name: 'valid but route unknown to the policy', status: 403, reason: 'route_default', token: () => idp.sign({ sub: SUBJECT }), path: '/billing' },
  ])('denies a $name token with $status $reason without calling the origin', async ({ status, reason, token, path }) => {
    const worker = await gateway();
    const forwardedBefore = origin.seen.length;
    const ray = `${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}-FRA`;
    const res = await call(worker, path ?? '/api/v1/products', await token(), ray);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(reason);
    if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="seam"/);
    expect(origin.seen.length).toBe(forwardedBefore);
    const [server] = await spansOfRay(ray);
    expect(attr(server!, 'seam.authz.decision')).toBe('deny');
    expect(attr(server!, 'seam.authz.reason')).toBe(reason);
    expect(attr(server!, 'http.response.status_code')).toBe(String(status));
  });

  it('verifies with the JWKS cached in KV when the JWKS URL is down, and refuses once the cache is too old', async () => {
    const persist = mkdtempSync(join(tmpdir(), 'seam-kv-'));
    tempDirs.push(persist);
    const jwks = await startJwksServer(idp.jwks);
    const token = await idp.sign({ sub: SUBJECT });
    let worker = await gateway({ JWKS_URL: jwks.jwksUrl }, persist);
    expect((await call(worker, '/api/v1/products', token)).status).toBe(200);
    expect(jwks.hits()).toBe(1);
    await worker.dispose();
    await jwks.close();

    // A new isolate (fresh memory) while the identity provider is unreachable.
    worker = await gateway({ JWKS_URL: jwks.jwksUrl }, persist);
    const ray = 'aa00000000000001-FRA';
    expect((await call(worker, '/api/v1/products', token, ray)).status).toBe(200);
    const fromKv = (await spansOfRay(ray, 2)).find((s) => s.kind === 2)!;
    expect(attr(fromKv, 'seam.auth.jwks_source')).toBe('kv');
    await worker.dispose();

    // Past the refresh age the cached keys still bridge the outage…
    const kv = async (w: Miniflare) => (await w.getKVNamespace('JWKS_CACHE')) as unknown as { put(k: string, v: string): Promise<void> };
    worker = await gateway({ JWKS_URL: jwks.jwksUrl }, persist);
    await (await kv(worker)).put(`jwks:${jwks.jwksUrl}`, JSON.stringify({ jwks: idp.jwks, fetchedAt: Date.now() - 2 * 3600_000 }));
    const staleRay = 'aa00000000000002-FRA';
    expect((await call(worker, '/api/v1/products', token, staleRay)).status).toBe(200);
    expect(attr((await spansOfRay(staleRay, 2)).find((s) => s.kind === 2)!, 'seam.auth.jwks_source')).toBe('stale');
    await worker.dispose();

    // …but not past the maximum age.
    worker = await gateway({ JWKS_URL: jwks.jwksUrl }, persist);
    await (await kv(worker)).put(`jwks:${jwks.jwksUrl}`, JSON.stringify({ jwks: idp.jwks, fetchedAt: Date.now() - 25 * 3600_000 }));
    const res = await call(worker, '/api/v1/products', token);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('jwks_unavailable');
  });

  it('publishes current and previous keys; an assertion signed with a rotated-out key no longer verifies', async () => {
    const worker = await gateway();
    const token = await idp.sign({ sub: SUBJECT });
    expect((await call(worker, '/api/v1/products', token)).status).toBe(200);
    const first = String(lastForwarded().headers['x-seam-identity']);
    const firstKid = decodeProtectedHeader(first).kid!;
    await jwtVerify(first, createLocalJWKSet(await publishedJwks(worker)), { audience: 'mesh.test' });

    // The Worker's cron handler, as Cloudflare would trigger it.
    const scheduled = (await worker.getWorker()) as unknown as { scheduled(options: { cron: string }): Promise<unknown> };
    await scheduled.scheduled(CRON);
    const afterOne = await publishedJwks(worker);
    expect(afterOne.keys.map((k) => k.kid)).toHaveLength(2);
    expect(afterOne.keys.map((k) => k.kid)).toContain(firstKid);
    await jwtVerify(first, createLocalJWKSet(afterOne), { audience: 'mesh.test' });
    // The new key is not used before istiod can have fetched it (activation delay).
    expect((await call(worker, '/api/v1/products', token)).status).toBe(200);
    expect(decodeProtectedHeader(String(lastForwarded().headers['x-seam-identity'])).kid).toBe(firstKid);

    await scheduled.scheduled(CRON);
    const afterTwo = await publishedJwks(worker);
    expect(afterTwo.keys.map((k) => k.kid)).not.toContain(firstKid);
    await expect(jwtVerify(first, createLocalJWKSet(afterTwo), { audience: 'mesh.test' })).rejects.toThrow(/no applicable key/i);
    for (const k of afterTwo.keys) expect(k).not.toHaveProperty('d');
  });

  it('refuses to sign with a key older than the rotation window and reports it on the CLIENT span', async () => {
    const worker = await gateway();
    const kv = (await worker.getKVNamespace('SIGNING_KEYS')) as unknown as KVStore;
    // Written the way the Worker's own cron would have, 25 hours ago.
    await rotateSigningKeys(kv, Date.now() - 25 * 3600_000);
    expect(JSON.parse((await kv.get(SIGNING_KEYS_KV_KEY, 'text'))!).keys).toHaveLength(1);
    const ray = 'bb00000000000001-FRA';
    const res = await call(worker, '/api/v1/products', await idp.sign({ sub: SUBJECT }), ray);
    expect(res.status).toBe(200);
    expect(lastForwarded().headers['x-seam-identity']).toBeUndefined();
    const client = (await spansOfRay(ray, 2)).find((s) => s.kind === 3)!;
    expect(attr(client, 'seam.assertion.error')).toBe('signing_key_expired');
    expect(Number(attr(client, 'seam.assertion.key_age_s'))).toBeGreaterThanOrEqual(25 * 3600);
  });

  it('never forwards a caller-supplied identity assertion', async () => {
    const worker = await gateway();
    const kv = (await worker.getKVNamespace('SIGNING_KEYS')) as unknown as KVStore;
    await rotateSigningKeys(kv, Date.now() - 25 * 3600_000);
    const res = await worker.dispatchFetch('https://edge.test/api/v1/products', {
      headers: { authorization: `Bearer ${await idp.sign({ sub: SUBJECT })}`, 'x-seam-identity': 'forged.by.caller' },
    });
    expect(res.status).toBe(200);
    // No key to sign with, and the caller's header is not passed through in its place.
    expect(lastForwarded().headers['x-seam-identity']).toBeUndefined();
  });

  it('at sampling ratio 0 still exports denied requests but not allowed ones', async () => {
    const worker = await gateway({ SEAM_SAMPLE_RATIO: '0' });
    const allowedRay = 'cc00000000000001-FRA';
    const deniedRay = 'cc00000000000002-FRA';
    expect((await call(worker, '/api/v1/products', await idp.sign({ sub: SUBJECT }), allowedRay)).status).toBe(200);
    expect((await call(worker, '/api/v1/products', undefined, deniedRay)).status).toBe(401);
    await spansOfRay(deniedRay);
    expect(otlp.spans().some((s) => attr(s, 'cloudflare.ray_id') === allowedRay)).toBe(false);
    // Not sampled at the head, so the mesh is told not to sample either.
    expect(lastForwarded().headers.traceparent).toMatch(/-00$/);
    expect(String(lastForwarded().headers['x-request-id'])[14]).toBe('4');
  });

  it('answers 500 with a pointer to the logs when CLAIM_MAPPING is malformed, without calling the origin', async () => {
    const worker = await gateway({ CLAIM_MAPPING: '{"schema":"seam.claim-mapping/v1","rules":[{"id":"x","claim":"sub","values":["a*b"],"groups":["g"]}]}' });
    const before = origin.seen.length;
    const res = await call(worker, '/api/v1/products', await idp.sign({ sub: SUBJECT }));
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('seam_config_error');
    expect(origin.seen.length).toBe(before);
  });
});
