import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { evaluateMapping, evaluateRoute, parseMapping, parseRoutePolicy, type ClaimMapping, type RoutePolicy } from '@seam/worker-exporter/rules';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderAuthorizationPolicy, type AuthorizationPolicyDocument } from './render.ts';

const mapping = {
  schema: 'seam.claim-mapping/v1',
  rules: [
    { id: 'admins', claim: 'roles', values: ['admin'], groups: ['admins'] },
    { id: 'eng-email', claim: 'email', values: ['*@example.com'], groups: ['eng'] },
    { id: 'gold-tier', claim: ['org', 'tier'], values: ['gold', 'plat*'], groups: ['eng', 'premium'] },
    { id: 'any-team', claim: 'team', values: ['*'], groups: ['staff'] },
  ],
};
const routes = {
  schema: 'seam.route-policy/v1',
  name: 'shop',
  default: 'deny',
  rules: [
    { id: 'api-read', methods: ['GET', 'HEAD'], pathPrefix: '/api/', groups: ['eng'] },
    { id: 'api-write', methods: ['POST'], pathPrefix: '/api/', groups: ['admins', 'premium'] },
    { id: 'admin', methods: ['*'], pathPrefix: '/admin/', groups: ['admins'] },
    { id: 'staff', methods: ['*'], pathPrefix: '/staff', groups: ['staff'] },
    { id: 'health', methods: ['*'], pathPrefix: '/health', groups: ['*'] },
    { id: 'orphan', methods: ['*'], pathPrefix: '/orphan/', groups: ['nobody-maps-to-this'] },
  ],
};

/** Istio's string match for AuthorizationPolicy values: exact, `prefix*`, `*suffix`, `*` (presence). */
function istioMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

function readClaim(claims: Record<string, unknown>, key: string): unknown {
  const path = [...key.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!);
  let node: unknown = claims;
  for (const part of path) node = typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as Record<string, unknown>)[part] : undefined;
  return node;
}

/**
 * An ALLOW policy as Envoy's RBAC filter applies it: allowed when any rule matches; a rule matches when
 * its source, one of its operations and all its conditions match. A list claim matches when any element does.
 */
function istioAllows(policy: AuthorizationPolicyDocument, request: { method: string; path: string; claims: Record<string, unknown> | undefined }): boolean {
  return (policy.spec.rules ?? []).some((rule) => {
    if (!request.claims) return false;
    const operationOk =
      !rule.to ||
      rule.to.some(({ operation }) => {
        if (operation.methods && !operation.methods.includes(request.method)) return false;
        if (operation.paths && !operation.paths.some((p) => istioMatch(p, request.path))) return false;
        if (operation.notPaths && operation.notPaths.some((p) => istioMatch(p, request.path))) return false;
        return true;
      });
    const conditionsOk = (rule.when ?? []).every(({ key, values }) => {
      const claim = readClaim(request.claims!, key);
      const candidates = Array.isArray(claim) ? claim : [claim];
      return candidates.some((c) => typeof c === 'string' && values.some((v) => istioMatch(v, c)));
    });
    return operationOk && conditionsOk;
  });
}

function edgeAllows(doc: ClaimMapping, policy: RoutePolicy | undefined, request: { method: string; path: string; claims: Record<string, unknown> | undefined }): boolean {
  if (!request.claims) return false;
  if (!policy) return true;
  return evaluateRoute(policy, request.method, request.path, evaluateMapping(doc, request.claims)).decision === 'allow';
}

const claimSets: (Record<string, unknown> | undefined)[] = [
  undefined,
  {},
  { roles: ['viewer', 'admin'] },
  { roles: 'admin' },
  { roles: 'administrator' },
  { email: 'ann@example.com' },
  { email: 'ann@example.com.evil.io' },
  { org: { tier: 'gold' } },
  { org: { tier: 'platinum' } },
  { org: { tier: 'silver' } },
  { org: 'gold' },
  { team: 'payments' },
  { team: 7 },
  { roles: ['admin'], email: 'bob@other.org', org: { tier: 'plat' } },
];
const requests = ['GET', 'HEAD', 'POST', 'DELETE'].flatMap((method) =>
  ['/api/items', '/api', '/admin/users', '/staff', '/staffroom', '/health', '/healthz', '/orphan/x', '/other'].flatMap((path) =>
    claimSets.map((claims) => ({ method, path, claims })),
  ),
);

describe('seam policy render', () => {
  it('allows in the mesh exactly what the edge allows, for every method, path and claim set tried', async () => {
    const parsedMapping = await parseMapping(mapping);
    const parsedRoutes = parseRoutePolicy(routes);
    const { policy, warnings } = renderAuthorizationPolicy(parsedMapping.document, parsedRoutes, { namespace: 'shop' });
    expect(warnings).toEqual([expect.stringContaining('"orphan"')]);
    const disagreements = requests.filter((r) => istioAllows(policy, r) !== edgeAllows(parsedMapping.document, parsedRoutes, r));
    expect(disagreements).toEqual([]);
    // The grid is only a check if it exercises both outcomes.
    expect(requests.some((r) => edgeAllows(parsedMapping.document, parsedRoutes, r))).toBe(true);
    expect(requests.some((r) => !edgeAllows(parsedMapping.document, parsedRoutes, r))).toBe(true);
  });

  it('renders a default "allow" as paths outside every route, stricter only for unlisted methods, and says so', async () => {
    const parsedMapping = await parseMapping(mapping);
    const parsedRoutes = parseRoutePolicy({ ...routes, default: 'allow' });
    const { policy, warnings, yaml } = renderAuthorizationPolicy(parsedMapping.document, parsedRoutes);
    expect(warnings.some((w) => w.includes('api-read') && w.includes('api-write'))).toBe(true);
    expect(yaml).toContain('# STRICTER THAN THE EDGE: default "allow"');
    for (const r of requests) {
      const mesh = istioAllows(policy, r);
      const edge = edgeAllows(parsedMapping.document, parsedRoutes, r);
      if (mesh) expect(edge, `${r.method} ${r.path} ${JSON.stringify(r.claims)}`).toBe(true);
      // The only requests the mesh refuses beyond the edge: a routed path with a method its rules do not list.
      if (edge && !mesh) expect(r.path.startsWith('/api')).toBe(true);
    }
    expect(istioAllows(policy, { method: 'GET', path: '/other', claims: {} })).toBe(true);
    expect(istioAllows(policy, { method: 'DELETE', path: '/api/items', claims: { roles: 'admin' } })).toBe(false);
  });

  it('refuses what it cannot express instead of widening it', async () => {
    const parsedMapping = await parseMapping({ ...mapping, rules: [...mapping.rules, { id: 'odd', claim: 'a[b]', values: ['x'], groups: ['odd'] }] });
    const parsedRoutes = parseRoutePolicy({
      ...routes,
      default: 'allow',
      rules: [
        { id: 'odd-claim', methods: ['*'], pathPrefix: '/odd/', groups: ['odd'] },
        { id: 'star-path', methods: ['*'], pathPrefix: '/files/*/raw', groups: ['*'] },
      ],
    });
    const { policy, warnings, yaml } = renderAuthorizationPolicy(parsedMapping.document, parsedRoutes);
    expect(warnings).toHaveLength(3);
    expect(yaml.match(/# STRICTER THAN THE EDGE/g)).toHaveLength(3);
    // Neither the literal-star route nor, with it unrenderable, the default rule may allow anything.
    expect(istioAllows(policy, { method: 'GET', path: '/files/*/raw', claims: {} })).toBe(false);
    expect(istioAllows(policy, { method: 'GET', path: '/elsewhere', claims: {} })).toBe(false);
    expect(istioAllows(policy, { method: 'GET', path: '/odd/x', claims: { 'a[b]': 'x' } })).toBe(false);
  });

  it('without a route policy allows any verified caller of the given issuer, as the edge does', async () => {
    const parsedMapping = await parseMapping(mapping);
    const { policy } = renderAuthorizationPolicy(parsedMapping.document, undefined, { issuer: 'https://auth.example.com/', selector: { app: 'shop' } });
    expect(policy.spec).toEqual({
      selector: { matchLabels: { app: 'shop' } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { requestPrincipals: ['https://auth.example.com//*'] } }] }],
    });
  });

  it('produces YAML that Istio\'s AuthorizationPolicy schema accepts and that reads back as the rendered policy', async () => {
    const parsedMapping = await parseMapping(mapping);
    for (const routePolicy of [undefined, parseRoutePolicy(routes), parseRoutePolicy({ ...routes, default: 'allow' })]) {
      const { policy, yaml } = renderAuthorizationPolicy(parsedMapping.document, routePolicy, { namespace: 'shop', selector: { app: 'shop' }, mappingVersion: parsedMapping.version });
      const read = parseYaml(yaml) as AuthorizationPolicyDocument;
      expect(read).toEqual(policy);
      expect(() => new AuthorizationPolicy(read as never).validate()).not.toThrow();
      expect(read.metadata.annotations['seam.dev/mapping-version']).toBe(parsedMapping.version);
    }
  });

  describe('CLI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seam-policy-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const cli = join(dir, 'cli.ts');
    // The command as main.ts dispatches it: parseArgs over argv, then policyCommand.
    writeFileSync(
      cli,
      `import { parseArgs } from ${JSON.stringify(join(import.meta.dirname, '../cli/args.ts'))};\n` +
        `import { UsageError } from ${JSON.stringify(join(import.meta.dirname, '../cli/args.ts'))};\n` +
        `import { policyCommand } from ${JSON.stringify(join(import.meta.dirname, '../cli/policy.ts'))};\n` +
        `policyCommand(parseArgs(process.argv.slice(2))).catch((e) => { console.error('seam: ' + e.message); process.exit(e instanceof UsageError ? 2 : 1); });\n`,
    );
    const run = (...args: string[]) => spawnSync(process.execPath, ['--conditions=@seam/source', '--import', 'tsx', cli, ...args], { encoding: 'utf8', cwd: join(import.meta.dirname, '../../..') });

    it('prints the policy on stdout and each stricter-than-edge note on stderr', () => {
      writeFileSync(join(dir, 'mapping.json'), JSON.stringify(mapping));
      writeFileSync(join(dir, 'routes.json'), JSON.stringify(routes));
      const result = run('policy', 'render', '--mapping', join(dir, 'mapping.json'), '--routes', join(dir, 'routes.json'), '--namespace', 'shop', '--selector', 'app=shop,tier=web');
      expect(result.status).toBe(0);
      const policy = parseYaml(result.stdout) as AuthorizationPolicyDocument;
      expect(policy.metadata.namespace).toBe('shop');
      expect(policy.spec.selector).toEqual({ matchLabels: { app: 'shop', tier: 'web' } });
      expect(result.stderr).toMatch(/^seam: warning: route rule "orphan"/m);
    });

    it('rejects a mapping document the Worker would reject, naming the field', () => {
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...mapping, rules: [{ id: 'x', claim: 'roles', values: ['a*b'], groups: ['g'] }] }));
      const result = run('policy', 'render', '--mapping', join(dir, 'bad.json'));
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('CLAIM_MAPPING.rules[0].values');
      expect(result.stdout).toBe('');
    });

    it('explains its usage when --mapping is missing', () => {
      const result = run('policy', 'render');
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('--mapping is required');
    });
  });
});
