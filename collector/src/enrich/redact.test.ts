import { expect, it } from 'vitest';
import { redactAttributes, redactText } from './redact.ts';
import { defaultEnrichOptions } from './options.ts';

const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

it('cuts JWT shapes and scheme credentials out of any value, whatever separates the scheme', () => {
  expect(redactText(`https://shop.example.com/cb?id_token=${jwt}&x=1`)).toBe('https://shop.example.com/cb?id_token=[REDACTED]&x=1');
  expect(redactText('Bearer abcdefgh12345')).toBe('Bearer [REDACTED]');
  expect(redactText('sent basic\tdXNlcjpwYXNz to upstream')).toBe('sent basic [REDACTED] to upstream');
  expect(redactText('Negotiate\u00a0YIIFyQYGKwYBBQUCoIIFvTCCBbk=')).toBe('Negotiate [REDACTED]');
});

it('leaves values without a credential as they are', () => {
  for (const value of ['outbound|9080||reviews.default.svc.cluster.local', 'Bearer', 'bearer short', 'eyJ', 'GET', 'Mozilla/5.0 (X11; Linux x86_64)', 'the basics of routing']) {
    expect(redactText(value)).toBe(value);
  }
});

it('replaces credential-bearing keys whole and counts what it changed', () => {
  const attributes = { 'http.request.header.authorization': 'Basic dXNlcjpwYXNz', 'http.url': `https://a.example/?t=${jwt}`, 'istio.authorization.dry_run.allow_policy.name': 'p', 'http.method': 'GET' };
  expect(redactAttributes(attributes, defaultEnrichOptions.redactKeys)).toBe(2);
  expect(attributes).toEqual({ 'http.request.header.authorization': '[REDACTED]', 'http.url': 'https://a.example/?t=[REDACTED]', 'istio.authorization.dry_run.allow_policy.name': 'p', 'http.method': 'GET' });
});
