import { describe, expect, it } from 'vitest';
import { evaluateMapping, evaluateRoute, parseMapping, parseRoutePolicy } from '../src/rules.ts';

const mappingDoc = {
  schema: 'seam.claim-mapping/v1',
  rules: [
    { id: 'everyone', claim: 'sub', values: ['*'], groups: ['authenticated'] },
    { id: 'staff', claim: 'email', values: ['*@example.com'], groups: ['staff'] },
    { id: 'eu', claim: 'region', values: ['eu-*'], groups: ['eu'] },
    { id: 'admins', claim: 'https://example.com/roles', values: ['admin', 'owner'], groups: ['mesh-admin', 'staff'] },
    { id: 'nested', claim: ['realm_access', 'roles'], values: ['billing'], groups: ['billing'] },
  ],
};

describe('claim mapping', () => {
  it('grants the union of every matching rule, sorted, for strings, arrays and nested claims', async () => {
    const { document } = await parseMapping(JSON.stringify(mappingDoc));
    expect(
      evaluateMapping(document, {
        sub: 'u1',
        email: 'ana@example.com',
        region: 'eu-west',
        'https://example.com/roles': ['viewer', 'owner'],
        realm_access: { roles: ['billing'] },
      }),
    ).toEqual(['authenticated', 'billing', 'eu', 'mesh-admin', 'staff']);
    expect(evaluateMapping(document, { sub: 'u2', email: 'eve@example.com.evil', region: 'us-eu-1', realm_access: ['billing'] })).toEqual([
      'authenticated',
    ]);
    // Non-string claim values never match, even the presence pattern.
    expect(evaluateMapping(document, { sub: 42, 'https://example.com/roles': [true] })).toEqual([]);
  });

  it('has a version that ignores formatting and key order but changes with any rule', async () => {
    const a = await parseMapping(JSON.stringify(mappingDoc));
    const reordered = { rules: mappingDoc.rules.map((r) => ({ groups: r.groups, values: r.values, claim: r.claim, id: r.id })), schema: mappingDoc.schema };
    const b = await parseMapping(JSON.stringify(reordered, null, 2));
    expect(a.version).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(b.version).toBe(a.version);
    const changed = structuredClone(mappingDoc);
    changed.rules[1]!.values = ['*@example.org'];
    expect((await parseMapping(changed)).version).not.toBe(a.version);
  });

  it.each([
    ['not JSON', '{rules:', /CLAIM_MAPPING is not valid JSON/],
    ['wrong schema', { schema: 'v0', rules: [] }, /CLAIM_MAPPING.schema must be "seam.claim-mapping\/v1"/],
    ['unknown field', { ...mappingDoc, extra: 1 }, /unknown field "extra"/],
    ['duplicate id', { schema: mappingDoc.schema, rules: [mappingDoc.rules[0], mappingDoc.rules[0]] }, /used twice/],
    ['inner wildcard', { schema: mappingDoc.schema, rules: [{ id: 'x', claim: 'sub', values: ['a*b'], groups: ['g'] }] }, /rules\[0\]\.values has "a\*b"/],
    ['group with a comma', { schema: mappingDoc.schema, rules: [{ id: 'x', claim: 'sub', values: ['*'], groups: ['a,b'] }] }, /rules\[0\]\.groups contains "a,b"/],
    ['empty values', { schema: mappingDoc.schema, rules: [{ id: 'x', claim: 'sub', values: [], groups: ['g'] }] }, /rules\[0\]\.values must be a non-empty array/],
  ])('rejects a document with %s, naming the field', async (_name, doc, message) => {
    await expect(parseMapping(doc)).rejects.toThrow(message);
  });
});

describe('route policy', () => {
  const policy = parseRoutePolicy({
    schema: 'seam.route-policy/v1',
    name: 'edge',
    default: 'allow',
    rules: [
      { id: 'read', methods: ['GET', 'HEAD'], pathPrefix: '/api/', groups: ['*'] },
      { id: 'write', methods: ['POST', 'PUT', 'DELETE'], pathPrefix: '/api/', groups: ['writers'] },
      { id: 'admin', methods: ['*'], pathPrefix: '/admin/', groups: ['mesh-admin'] },
    ],
  });

  it.each([
    ['GET', '/api/items', [], { decision: 'allow', reason: 'route_policy', policy: 'edge/read', route: '/api/*' }],
    ['POST', '/api/items', ['readers'], { decision: 'deny', reason: 'route_policy', policy: 'edge/write', route: '/api/*' }],
    ['POST', '/api/items', ['writers'], { decision: 'allow', reason: 'route_policy', policy: 'edge/write', route: '/api/*' }],
    ['PATCH', '/admin/x', ['mesh-admin'], { decision: 'allow', reason: 'route_policy', policy: 'edge/admin', route: '/admin/*' }],
    // A matching rule that does not grant denies even though the default is allow.
    ['GET', '/admin/x', ['writers'], { decision: 'deny', reason: 'route_policy', policy: 'edge/admin', route: '/admin/*' }],
    ['GET', '/administrator', [], { decision: 'allow', reason: 'route_default', policy: 'edge/default', route: undefined }],
    ['PATCH', '/api/items', ['writers'], { decision: 'allow', reason: 'route_default', policy: 'edge/default', route: undefined }],
  ])('%s %s with groups %j', (method, path, groups, expected) => {
    expect(evaluateRoute(policy, method, path, groups)).toEqual(expected);
  });

  it.each([
    ['lower-case method', { methods: ['get'], pathPrefix: '/', groups: ['*'] }, /rules\[0\]\.methods contains "get"/],
    ['relative prefix', { methods: ['GET'], pathPrefix: 'api', groups: ['*'] }, /pathPrefix must be a string starting with "\/"/],
    ['no groups', { methods: ['GET'], pathPrefix: '/', groups: [] }, /groups must be a non-empty array/],
  ])('rejects a rule with a %s', (_name, rule, message) => {
    expect(() => parseRoutePolicy({ schema: 'seam.route-policy/v1', name: 'p', default: 'deny', rules: [{ id: 'r', ...rule }] })).toThrow(message);
  });
});
