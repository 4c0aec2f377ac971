import * as grpc from '@grpc/grpc-js';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../collector/src/auth/bearer.ts';
import { encodeProto, TraceRequest } from '../collector/src/decode/otlp-proto.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';

// Every listener demands credentials when SEAM_AUTH=on: a configured bearer token or a JWT from the
// configured JWKS. Missing, wrong, rotated-out and expired credentials are refused everywhere.
const current = 'seam-token-current';
const retired = 'seam-token-retired';
const issuer = 'https://idp.example.com/';
let collector: TestCollector;
let validJwt: string;
let expiredJwt: string;
let sequence = 0;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'ES256' };
  const sign = (expiresAt: number) => new SignJWT({ sub: 'exporter' }).setProtectedHeader({ alg: 'ES256', kid: 'idp-1' }).setIssuer(issuer).setAudience('seam').setIssuedAt(expiresAt - 600).setExpirationTime(expiresAt).sign(privateKey);
  validJwt = await sign(Math.floor(Date.now() / 1000) + 600);
  expiredJwt = await sign(Math.floor(Date.now() / 1000) - 600);
  // The retired token was valid before a restart that dropped its hash (rotation).
  const before = await startTestCollector({ SEAM_AUTH: 'on', SEAM_TOKEN_HASHES: `${hashToken(retired)},${hashToken(current)}` });
  expect(await sendOtlp(before, `Bearer ${retired}`)).toBe(200);
  await before.close();
  collector = await startTestCollector(
    { SEAM_AUTH: 'on', SEAM_TOKEN_HASHES: hashToken(current), SEAM_API_JWKS: JSON.stringify({ keys: [jwk] }), SEAM_API_JWT_ISSUER: issuer, SEAM_API_JWT_AUDIENCE: 'seam' },
    before.dataDir,
  );
});
afterAll(async () => {
  await collector?.close();
});

function otlpBody(): Uint8Array {
  sequence++;
  return encodeProto(TraceRequest, {
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.from(sequence.toString(16).padStart(32, 'c'), 'hex'), spanId: Buffer.from('0123456789abcdef', 'hex'), name: 'auth', startTimeUnixNano: '1773483362555700000', endTimeUnixNano: '1773483362556700000' }] }] }],
  });
}

async function sendOtlp(target: TestCollector, authorization?: string): Promise<number> {
  const response = await fetch(target.url('otlpHttp', '/v1/traces'), { method: 'POST', headers: { 'content-type': 'application/x-protobuf', ...(authorization ? { authorization } : {}) }, body: otlpBody() });
  return response.status;
}

async function sendZipkin(authorization?: string): Promise<number> {
  sequence++;
  const span = { traceId: sequence.toString(16).padStart(32, 'd'), id: '0123456789abcdef', name: 'auth', timestamp: 1773483362555700, duration: 10 };
  const response = await fetch(collector.url('zipkin', '/api/v2/spans'), { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify([span]) });
  return response.status;
}

async function sendGrpc(authorization?: string): Promise<number> {
  const client = new grpc.Client(`127.0.0.1:${collector.ports.otlpGrpc}`, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  if (authorization) metadata.set('authorization', authorization);
  try {
    return await new Promise<number>((resolve) =>
      client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, Buffer.from(otlpBody()), metadata, (error) => resolve(error ? error.code ?? -1 : grpc.status.OK)),
    );
  } finally {
    client.close();
  }
}

async function readApi(authorization?: string): Promise<number> {
  const response = await fetch(collector.url('api', '/api/v1/keys?from=0&to=9999999999999'), { headers: authorization ? { authorization } : {} });
  return response.status;
}

const credentials = () => ({
  missing: undefined,
  wrong: 'Bearer not-a-configured-token',
  'rotated out': `Bearer ${retired}`,
  'expired JWT': `Bearer ${expiredJwt}`,
  'bearer token': `Bearer ${current}`,
  JWT: `Bearer ${validJwt}`,
});

describe('authentication on every listener', () => {
  const refused = ['missing', 'wrong', 'rotated out', 'expired JWT'] as const;
  const accepted = ['bearer token', 'JWT'] as const;

  it.each(refused)('refuses %s credentials on OTLP/HTTP, Zipkin, OTLP/gRPC and the API', async (kind) => {
    const authorization = credentials()[kind];
    expect(await sendOtlp(collector, authorization)).toBe(401);
    expect(await sendZipkin(authorization)).toBe(401);
    expect(await sendGrpc(authorization)).toBe(grpc.status.UNAUTHENTICATED);
    expect(await readApi(authorization)).toBe(401);
  });

  it.each(accepted)('accepts a valid %s on every listener', async (kind) => {
    const authorization = credentials()[kind];
    expect(await sendOtlp(collector, authorization)).toBe(200);
    expect(await sendZipkin(authorization)).toBe(202);
    expect(await sendGrpc(authorization)).toBe(grpc.status.OK);
    expect(await readApi(authorization)).toBe(200);
  });

  it('says why an expired JWT was refused', async () => {
    const response = await fetch(collector.url('otlpHttp', '/v1/traces'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${expiredJwt}` }, body: '{}' });
    expect(((await response.json()) as { message: string }).message).toMatch(/JWT was rejected .*exp/);
  });
});
