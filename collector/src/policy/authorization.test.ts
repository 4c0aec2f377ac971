import { readFileSync } from 'node:fs';
import { AuthorizationPolicy as IstioAuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { evaluateAuthorization, InvalidPolicyError, istioStringMatch, parseAuthorizationPolicies, type Fact, type MeshRequest } from './istio/authorization.ts';

const examplesText = readFileSync(new URL('../../../test/fixtures/policy/istio-examples.yaml', import.meta.url), 'utf8');
const examples = parseAuthorizationPolicies(examplesText);

interface Known {
  namespace: string;
  labels: Record<string, string>;
  host: string;
  method: string;
  path: string;
  port: string;
  requestPrincipal: string;
  sourcePrincipal: string;
  sourceNamespace: string;
  claims: Record<string, string[]>;
  headers: Record<string, string>;
}

const one = (value: string): Fact => ({ values: value === '' ? [] : [value] });

/** A request whose every attribute is known, as Envoy sees it. */
function request(overrides: Partial<Known>): MeshRequest {
  const r: Known = {
    namespace: 'foo',
    labels: { app: 'httpbin', version: 'v1' },
    host: 'httpbin.foo',
    method: 'GET',
    path: '/info',
    port: '8000',
    requestPrincipal: 'https://accounts.google.com/alice',
    sourcePrincipal: 'cluster.local/ns/default/sa/sleep',
    sourceNamespace: 'default',
    claims: { iss: ['https://accounts.google.com'] },
    headers: {},
    ...overrides,
  };
  return {
    namespace: r.namespace,
    label: (key) => one(r.labels[key] ?? ''),
    host: one(r.host),
    method: one(r.method),
    path: one(r.path),
    port: one(r.port),
    requestPrincipal: one(r.requestPrincipal),
    sourcePrincipal: one(r.sourcePrincipal),
    sourceNamespace: one(r.sourceNamespace),
    sourceIp: { unknown: 'not in this test' },
    remoteIp: { unknown: 'not in this test' },
    claim: (path) => ({ values: r.claims[path.join('.')] ?? [] }),
    header: (name) => one(r.headers[name] ?? ''),
  };
}

const decide = (overrides: Partial<Known>, customDenied = false) => evaluateAuthorization(examples, request(overrides), { rootNamespace: 'istio-system', customDenied });

describe('Istio AuthorizationPolicy fixtures', () => {
  it('are valid AuthorizationPolicies by @kubernetes-models/istio', () => {
    const inForce = readFileSync(new URL('../../../test/fixtures/policy/authz-in-force.yaml', import.meta.url), 'utf8');
    for (const document of [...parseAllDocuments(examplesText), ...parseAllDocuments(inForce)]) {
      expect(() => new IstioAuthorizationPolicy(document.toJS()).validate()).not.toThrow();
    }
    // The validator does reject a malformed policy, so the check above can fail.
    expect(() => new IstioAuthorizationPolicy({ metadata: { name: 'x' }, spec: { action: 'MAYBE' } } as never).validate()).toThrow();
  });
});

describe('Istio authorization semantics', () => {
  it('ALLOW: a rule matches when one source, one operation and every condition match', () => {
    expect(decide({})).toEqual({ decision: 'allow', rule: 'ns[foo]-policy[httpbin-read]-rule[0]' });
    // The second source (namespace test) is enough on its own.
    expect(decide({ sourcePrincipal: 'cluster.local/ns/test/sa/other', sourceNamespace: 'test' }).decision).toBe('allow');
    // The second operation: POST on the exact path /data only.
    expect(decide({ method: 'POST', path: '/data' }).decision).toBe('allow');
    expect(decide({ method: 'POST', path: '/data/1' })).toEqual({ decision: 'deny', rule: 'none' });
    expect(decide({ method: 'POST', path: '/info' }).decision).toBe('deny');
    // The condition: a token from another issuer fails the rule.
    expect(decide({ claims: { iss: ['https://evil.example.com'] } }).decision).toBe('deny');
    expect(decide({ sourcePrincipal: 'cluster.local/ns/other/sa/x', sourceNamespace: 'other' }).decision).toBe('deny');
  });

  it('selectors pick workloads by label within the policy namespace; no ALLOW policy means allow', () => {
    // version v2 is not selected by httpbin-read, and nothing else ALLOWs in foo: allowed by default.
    expect(decide({ labels: { app: 'httpbin', version: 'v2' }, claims: {} })).toEqual({ decision: 'allow', rule: 'default' });
    // The same labels in another namespace: foo's policies do not apply.
    expect(decide({ namespace: 'elsewhere', claims: {} })).toEqual({ decision: 'allow', rule: 'default' });
  });

  it('DENY is evaluated before ALLOW, with notX fields', () => {
    // GET /admin from default: httpbin-admin denies callers outside foo even though nothing would allow it anyway.
    expect(decide({ path: '/admin' })).toEqual({ decision: 'deny', rule: 'ns[foo]-policy[httpbin-admin]-rule[0]' });
    // From foo itself the DENY does not match; then no ALLOW rule matches /admin.
    expect(decide({ path: '/admin', sourceNamespace: 'foo' })).toEqual({ decision: 'deny', rule: 'none' });
    // An exact path: /admin/x is not /admin.
    expect(decide({ path: '/admin/x', labels: { app: 'httpbin' } })).toEqual({ decision: 'allow', rule: 'default' });
  });

  it('an empty DENY rule denies everything; an ALLOW policy without rules allows nothing; an empty ALLOW rule allows everything', () => {
    expect(decide({ namespace: 'bar' })).toEqual({ decision: 'deny', rule: 'ns[bar]-policy[deny-all]-rule[0]' });
    expect(decide({ namespace: 'baz' })).toEqual({ decision: 'deny', rule: 'none' });
    expect(decide({ namespace: 'qux', method: 'DELETE', path: '/anything' })).toEqual({ decision: 'allow', rule: 'ns[qux]-policy[allow-all]-rule[0]' });
  });

  it('root-namespace policies apply to every namespace: notRequestPrincipals ["*"] denies requests without a JWT', () => {
    expect(decide({ namespace: 'qux', requestPrincipal: '' })).toEqual({ decision: 'deny', rule: 'ns[istio-system]-policy[require-jwt]-rule[0]' });
    expect(decide({ namespace: 'qux', requestPrincipal: '', path: '/healthz' }).decision).toBe('allow');
    // In another root namespace the same policy is an ordinary istio-system policy.
    expect(evaluateAuthorization(examples, request({ namespace: 'qux', requestPrincipal: '' }), { rootNamespace: 'mesh-root', customDenied: false }).decision).toBe('allow');
  });

  it('CUSTOM comes first: a matching CUSTOM policy denies when its provider denied, else evaluation goes on', () => {
    expect(decide({ path: '/secure/a' }, true)).toEqual({ decision: 'deny', rule: 'ns[foo]-policy[ext-authz]-rule[0]' });
    // The provider allowed: DENY and ALLOW decide (nothing allows /secure/a for this caller).
    expect(decide({ path: '/secure/a' }, false)).toEqual({ decision: 'deny', rule: 'none' });
    // No CUSTOM policy covers /info any more: the recorded provider deny no longer applies.
    expect(decide({}, true).decision).toBe('allow');
  });

  it('hosts match case-insensitively; paths and claims take suffix and presence patterns; notValues excludes', () => {
    const shop = { namespace: 'shop', labels: { app: 'reviews' }, claims: {} as Record<string, string[]> };
    expect(decide({ ...shop, host: 'reviews.example.COM', path: '/v1/ratings.json' }).rule).toBe('ns[shop]-policy[reviews-hosts]-rule[0]');
    expect(decide({ ...shop, host: 'reviews.example.com', path: '/v1/ratings.xml' }).decision).toBe('deny');
    expect(decide({ ...shop, port: '9080', claims: { groups: ['eng'] } }).rule).toBe('ns[shop]-policy[reviews-hosts]-rule[1]');
    expect(decide({ ...shop, port: '9080', claims: { groups: ['eng', 'suspended'] } }).decision).toBe('deny');
    expect(decide({ ...shop, port: '9080', claims: {} }).decision).toBe('deny');
    expect(decide({ ...shop, port: '9080', method: 'DELETE', claims: { groups: ['eng'] } }).decision).toBe('deny');
    expect(decide({ ...shop, port: '9090', claims: { groups: ['eng'] } }).decision).toBe('deny');
  });

  it('Istio string matching: exact, prefix, suffix and presence', () => {
    expect([istioStringMatch('/a', '/a'), istioStringMatch('/a', '/ab'), istioStringMatch('/a*', '/ab'), istioStringMatch('*b', '/ab'), istioStringMatch('*', 'x'), istioStringMatch('*', '')]).toEqual([
      true,
      false,
      true,
      true,
      true,
      false,
    ]);
  });
});

describe('what a recorded request cannot tell', () => {
  const partial = (facts: Partial<MeshRequest>): MeshRequest => ({ ...request({}), ...facts });

  it('an unknown fact that could change the outcome makes the decision undecidable, with the reason', () => {
    const unknownSource = { sourcePrincipal: { unknown: "the caller's mTLS identity is not recorded" }, sourceNamespace: { unknown: 'no namespace' } };
    const options = { rootNamespace: 'istio-system', customDenied: false };
    // GET /info: only the ALLOW rule's sources tell allow from deny.
    expect(evaluateAuthorization(examples, partial(unknownSource), options)).toEqual({ decision: 'undecidable', rule: '', reason: "ns[foo]-policy[httpbin-read]-rule[0]: the caller's mTLS identity is not recorded" });
    // /admin: the DENY rule's notNamespaces decides, and the namespace is unknown.
    const admin = evaluateAuthorization(examples, partial({ ...unknownSource, path: one('/admin') }), options);
    expect(admin).toEqual({ decision: 'undecidable', rule: '', reason: 'ns[foo]-policy[httpbin-admin]-rule[0]: no namespace' });
  });

  it('an unknown fact that cannot change the outcome does not', () => {
    // The DENY rule needs path /admin, which this request does not have, so the unknown source is irrelevant to it;
    // the ALLOW rule fails on the method whatever the source.
    const verdict = evaluateAuthorization(examples, partial({ method: one('PUT'), sourceNamespace: { unknown: 'no namespace' }, sourcePrincipal: { unknown: 'no peer' } }), { rootNamespace: 'istio-system', customDenied: false });
    expect(verdict).toEqual({ decision: 'deny', rule: 'none' });
  });

  it('a principal known only by its subject decides "*" and suffix patterns, not issuer-specific ones', () => {
    const policies = parseAuthorizationPolicies(
      'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: foo}\nspec:\n  rules:\n  - from: [{source: {requestPrincipals: ["*/alice"]}}]\n  - from: [{source: {requestPrincipals: ["https://edge.example.com/bob"]}}]\n',
    );
    const principal = (subject: string): MeshRequest => partial({ requestPrincipal: { unknown: 'issuer unknown', endsWith: `/${subject}` } });
    const options = { rootNamespace: 'istio-system', customDenied: false };
    expect(evaluateAuthorization(policies, principal('alice'), options).decision).toBe('allow');
    expect(evaluateAuthorization(policies, principal('carol'), options)).toEqual({ decision: 'deny', rule: 'none' });
    expect(evaluateAuthorization(policies, principal('bob'), options).decision).toBe('undecidable');
  });

  it('rejects malformed policies with the document and field at fault', () => {
    const bad = (spec: string) => () => parseAuthorizationPolicies(`apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\nspec: ${spec}`);
    expect(bad('{action: PERMIT}')).toThrow(/spec.action must be one of/);
    expect(bad('{rules: [{to: [{operation: {path: ["/x"]}}]}]}')).toThrow(/spec.rules\[0\].to\[0\].operation.path is not a field Istio knows/);
    expect(bad('{action: CUSTOM, rules: [{}]}')).toThrow(InvalidPolicyError);
    expect(bad('{rules: [{when: [{key: "request.auth.claims[groups]"}]}]}')).toThrow(/needs values or notValues/);
    expect(() => parseAuthorizationPolicies('a: [')).toThrow(/YAML document 1/);
  });

  it('reads kubectl lists and skips other kinds', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'security.istio.io/v1beta1', kind: 'AuthorizationPolicy', metadata: { name: 'a', namespace: 'x' }, spec: {} }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }] };
    expect(parseAuthorizationPolicies(JSON.stringify(list)).map((p) => `${p.namespace}/${p.name}`)).toEqual(['x/a']);
  });
});
