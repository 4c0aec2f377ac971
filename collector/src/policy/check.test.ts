import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMapping, parseRoutePolicy } from '@seam/worker-exporter/rules';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDrift } from './check.ts';
import { parseAuthorizationPolicies } from './istio/authorization.ts';
import { renderAuthorizationPolicy } from './render.ts';

const fixtures = join(import.meta.dirname, '../../../test/fixtures/policy');
const mappingText = readFileSync(join(fixtures, 'claim-mapping.json'), 'utf8');
const routesText = readFileSync(join(fixtures, 'routes-in-force.json'), 'utf8');
const routes = parseRoutePolicy(routesText);

describe('seam policy check', () => {
  it('finds no drift between the edge documents and what seam policy render makes of them', async () => {
    const mapping = (await parseMapping(mappingText)).document;
    for (const routePolicy of [routes, { ...routes, default: 'allow' as const }, undefined]) {
      for (const options of [{ namespace: 'shop', selector: { app: 'shop' } }, { namespace: 'shop', issuer: 'https://auth.example.com/' }]) {
        const { yaml } = renderAuthorizationPolicy(mapping, routePolicy, options);
        const result = checkDrift(mapping, routePolicy, parseAuthorizationPolicies(yaml), { namespace: 'shop', labels: { app: 'shop' }, issuer: options.issuer });
        expect(result.findings).toEqual([]);
        expect(result.undetermined).toEqual([]);
        expect(result.checked).toBeGreaterThan(0);
      }
    }
  });

  it('lists groups no mesh rule accepts, paths the mesh denies for every group, and rules only one side has', () => {
    // The mesh accepts the asserted groups reviewers and admins, on products and admin paths, plus a path the edge never allows.
    const policies = parseAuthorizationPolicies(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: shop, namespace: shop }
spec:
  rules:
  - to: [{ operation: { paths: ["/api/v1/products*", "/admin/*"] } }]
    when: [{ key: "request.auth.claims[groups]", values: ["reviewers", "admins"] }]
  - to: [{ operation: { paths: ["/health*"] } }]
  - to: [{ operation: { paths: ["/legacy/*"] } }]
`);
    const result = checkDrift(undefined, routes, policies, { namespace: 'shop' });
    const kinds = (kind: string) => result.findings.filter((f) => f.kind === kind);
    // The edge lets eng read products and call orders; the mesh accepts eng nowhere, and nobody on orders or POST /api/.
    expect(kinds('group_not_accepted').map((f) => f.group)).toEqual(['eng']);
    expect(kinds('path_denied_for_every_group').map((f) => f.route)).toEqual(['shop/orders', 'shop/api-write']);
    expect(kinds('mesh_rule_unreached').map((f) => f.meshRule)).toEqual(['ns[shop]-policy[shop]-rule[2]']);
    expect(kinds('edge_allow_mesh_deny').map((f) => `${f.route} ${f.group}`).sort()).toEqual(['shop/api-write admins', 'shop/orders admins', 'shop/orders eng', 'shop/products-read eng']);
    expect(result.undetermined).toEqual([]);
  });

  it('says what it cannot determine without traffic', () => {
    const policies = parseAuthorizationPolicies('apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: by-port, namespace: shop }\nspec:\n  rules:\n  - to: [{ operation: { ports: ["9080"] } }]\n');
    const result = checkDrift(undefined, routes, policies, { namespace: 'shop' });
    expect(result.findings.filter((f) => f.kind !== 'mesh_rule_unreached')).toEqual([]);
    expect(result.undetermined.length).toBeGreaterThan(0);
    expect(result.undetermined[0]!.reason).toContain('port is not known without traffic');
  });

  describe('CLI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seam-policy-check-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const cli = join(dir, 'cli.ts');
    // The command as main.ts dispatches it: parseArgs over argv, then policyCommand.
    writeFileSync(
      cli,
      `import { parseArgs, UsageError } from ${JSON.stringify(join(import.meta.dirname, '../cli/args.ts'))};\n` +
        `import { policyCommand } from ${JSON.stringify(join(import.meta.dirname, '../cli/policy.ts'))};\n` +
        `policyCommand(parseArgs(process.argv.slice(2))).catch((e) => { console.error('seam: ' + e.message); process.exit(e instanceof UsageError ? 2 : 1); });\n`,
    );
    const run = (...args: string[]) => spawnSync(process.execPath, ['--conditions=@seam/source', '--import', 'tsx', cli, ...args], { encoding: 'utf8', cwd: join(import.meta.dirname, '../../..') });
    const mappingFile = join(fixtures, 'claim-mapping.json');
    const routesFile = join(fixtures, 'routes-in-force.json');

    it('render output checks clean (exit 0); drift exits 1 with the findings', () => {
      const rendered = run('policy', 'render', '--mapping', mappingFile, '--routes', routesFile, '--namespace', 'shop');
      expect(rendered.status).toBe(0);
      writeFileSync(join(dir, 'rendered.yaml'), rendered.stdout);
      const clean = run('policy', 'check', '--mapping', mappingFile, '--routes', routesFile, '--authz', join(dir, 'rendered.yaml'), '--namespace', 'shop');
      expect(clean.stdout).toContain('no drift');
      expect(clean.status).toBe(0);

      writeFileSync(join(dir, 'narrow.yaml'), rendered.stdout.replaceAll('/api/v1/orders*', '/api/v2/orders*'));
      const drift = run('policy', 'check', '--mapping', mappingFile, '--routes', routesFile, '--authz', join(dir, 'narrow.yaml'), '--namespace', 'shop', '--json');
      expect(drift.status).toBe(1);
      const result = JSON.parse(drift.stdout) as { findings: { kind: string; route?: string }[] };
      expect(result.findings.some((f) => f.kind === 'path_denied_for_every_group' && f.route === 'shop/orders')).toBe(true);
    });

    it('rejects a malformed AuthorizationPolicy, naming the field', () => {
      writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: x }\nspec: { action: PERMIT }\n');
      const result = run('policy', 'check', '--routes', routesFile, '--authz', join(dir, 'bad.yaml'));
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('spec.action must be one of');
    });
  });
});
