import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../collector/src/auth/bearer.ts';
import { postJson, startTestCollector, type TestCollector } from './helpers/collector.ts';
import { scenarioBodies, scenarios } from './helpers/fixtures.ts';

// Credentials on: a collector token reads everything, a tenant token and a JWT only their namespaces.
let collector: TestCollector;
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
const issuer = 'https://idp.example.com/';
const window = 'from=2026-03-12T00:00:00Z&to=2026-03-15T00:00:00Z';
const edgeOnly = 'dd000000000000000000000000000001';

async function jwt(claims: Record<string, unknown>, options: { issuer?: string; expires?: string | number } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
    .setIssuer(options.issuer ?? issuer)
    .setIssuedAt()
    .setExpirationTime(options.expires ?? '5m')
    .sign(privateKey);
}

async function get(path: string, token?: string): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(collector.url('api', path), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: response.headers };
}

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  collector = await startTestCollector({
    SEAM_AUTH: 'on',
    SEAM_TOKEN_HASHES: hashToken('admin-token'),
    SEAM_API_TENANTS: JSON.stringify({ [hashToken('team-token')]: ['default'] }),
    SEAM_API_JWKS: JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'ES256' }] }),
    SEAM_API_JWT_ISSUER: issuer,
  });
  const admin = { authorization: 'Bearer admin-token' };
  for (const body of scenarioBodies('zipkin', 'allowed_200')) expect((await postJson(collector.url('zipkin', '/api/v2/spans'), body, admin)).status).toBeLessThan(300);
  const edge = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop-edge' } }, { key: 'cloud.provider', value: { stringValue: 'cloudflare' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: edgeOnly,
                spanId: 'dd00000000000001',
                name: 'GET /',
                kind: 2,
                startTimeUnixNano: '1773483000000000000',
                endTimeUnixNano: '1773483000010000000',
                attributes: [{ key: 'seam.authz.decision', value: { stringValue: 'deny' } }, { key: 'seam.authz.reason', value: { stringValue: 'jwt_missing' } }],
              },
            ],
          },
        ],
      },
    ],
  };
  expect((await postJson(collector.url('otlpHttp', '/v1/traces'), edge, admin)).status).toBe(200);
});

afterAll(async () => {
  await collector?.close();
});

const services = (body: any) => [...new Set(body.decisions.map((d: any) => d.service))].sort();

describe('API authentication', () => {
  it('keeps probes, metrics and the OpenAPI document open', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/metrics')).status).toBe(200);
    expect((await get('/api/v1/openapi.json')).status).toBe(200);
  });

  it('refuses a missing or wrong token with 401 and the error shape', async () => {
    const missing = await get(`/api/v1/decisions?${window}`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="seam"');
    expect(missing.body).toEqual({ error: { code: 'unauthenticated', message: 'missing bearer token; send Authorization: Bearer <token>' } });
    expect((await get(`/api/v1/decisions?${window}`, 'guessed-token')).status).toBe(401);
  });

  it('lets a collector token read every service', async () => {
    const { status, body } = await get(`/api/v1/traces?${window}`, 'admin-token');
    expect(status).toBe(200);
    expect(body.traces.map((t: any) => t.traceId)).toEqual([scenarios.allowed_200!.trace_id, edgeOnly]);
    expect(services(await get(`/api/v1/decisions?${window}&layer=edge`, 'admin-token').then((r) => r.body))).toEqual(['shop-edge']);
    expect((await get(`/api/v1/keys?${window}`, 'admin-token')).status).toBe(200);
  });

  it('limits a tenant token to its namespaces: filtered lists, 403 elsewhere', async () => {
    const { status, body } = await get(`/api/v1/decisions?${window}`, 'team-token');
    expect(status).toBe(200);
    expect(services(body)).toEqual(['productpage.default', 'reviews.default']);
    const traces = await get(`/api/v1/traces?${window}`, 'team-token');
    expect(traces.body.traces.map((t: any) => t.traceId)).toEqual([scenarios.allowed_200!.trace_id]);
    expect((await get(`/api/v1/traces/${scenarios.allowed_200!.trace_id}`, 'team-token')).status).toBe(200);
    const foreign = await get(`/api/v1/traces/${edgeOnly}`, 'team-token');
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('forbidden');
    expect((await get(`/api/v1/keys?${window}`, 'team-token')).status).toBe(403);
  });

  it('accepts JWTs from the configured issuer, scoped by their namespace claim', async () => {
    const scoped = await get(`/api/v1/traces?${window}`, await jwt({ sub: 'oncall', seam_namespaces: ['istio-system'] }));
    expect(scoped.status).toBe(200);
    expect(scoped.body.traces.map((t: any) => t.traceId)).toEqual([scenarios.allowed_200!.trace_id]);
    const unscoped = await get(`/api/v1/traces?${window}`, await jwt({ sub: 'sre' }));
    expect(unscoped.body.traces).toHaveLength(2);
    const foreign = await get(`/api/v1/decisions?${window}`, await jwt({ sub: 'x' }, { issuer: 'https://evil.example.com/' }));
    expect(foreign.status).toBe(401);
    expect(foreign.body.error.message).toContain('the JWT was rejected');
    expect((await get(`/api/v1/decisions?${window}`, await jwt({ sub: 'x' }, { expires: 1_577_836_800 }))).status).toBe(401);
  });
});
