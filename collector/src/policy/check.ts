import type { ClaimMapping, MappingRule, RoutePolicy, RouteRule } from '@seam/worker-exporter/rules';
import { evaluateAuthorization, ruleMatches, ruleName, appliesTo, type AuthorizationPolicy, type Fact, type MeshRequest } from './istio/authorization.ts';

/**
 * Static drift between the edge (claim mapping and route policy) and a set of AuthorizationPolicies:
 * for every request the edge allows, by route rule, method, group and the mapping rule that grants the
 * group, a representative request is put to the mesh policies of one workload. No traffic is read.
 */

export interface CheckOptions {
  /** The workload the policies are checked for: its namespace and labels. */
  namespace?: string | undefined;
  labels?: Record<string, string> | undefined;
  rootNamespace?: string | undefined;
  /** `iss` of the token the mesh verifies; when unknown, only principals that name no issuer (`*`, or a `*` followed by the subject) decide. */
  issuer?: string | undefined;
}

export type FindingKind = 'edge_allow_mesh_deny' | 'group_not_accepted' | 'path_denied_for_every_group' | 'mesh_rule_unreached';

export interface Finding {
  kind: FindingKind;
  message: string;
  route?: string;
  group?: string;
  meshRule?: string;
}

export interface CheckResult {
  /** Representative edge-allowed requests put to the mesh. */
  checked: number;
  findings: Finding[];
  /** Requests the mesh policies cannot be decided for without traffic (hosts, ports, peers), with the reason. */
  undetermined: { route: string; group: string; reason: string }[];
}

interface Probe {
  route: RouteRule | undefined;
  method: string;
  path: string;
  /** The group the probe stands for ('*': any verified caller). */
  group: string;
  via: MappingRule | undefined;
}

const subject = 'seam-check-subject';

export function checkDrift(mapping: ClaimMapping | undefined, routes: RoutePolicy | undefined, policies: AuthorizationPolicy[], options: CheckOptions = {}): CheckResult {
  const probes = edgeProbes(mapping, routes);
  const findings: Finding[] = [];
  const undetermined: CheckResult['undetermined'] = [];
  const accepted = new Set<string>();
  const routeAllowed = new Set<string>();
  const reachedMeshRules = new Set<string>();
  const routeName = (probe: Probe) => (probe.route ? `${routes!.name}/${probe.route.id}` : `${routes?.name ?? 'edge'}/default`);

  for (const probe of probes) {
    const request = probeRequest(probe, options);
    for (const policy of policies) {
      if (policy.action !== 'ALLOW' || appliesTo(policy, request, options.rootNamespace ?? 'istio-system') !== true) continue;
      policy.rules.forEach((rule, index) => {
        if (ruleMatches(rule, request) === true) reachedMeshRules.add(ruleName(policy, index));
      });
    }
    const verdict = evaluateAuthorization(policies, request, { rootNamespace: options.rootNamespace ?? 'istio-system', customDenied: false });
    const label = `${probe.method} ${probe.path} for ${probe.group === '*' ? 'any verified caller' : `group ${probe.group}`}${probe.via ? ` (mapping rule ${probe.via.id})` : ''}`;
    if (verdict.decision === 'undecidable') {
      undetermined.push({ route: routeName(probe), group: probe.group, reason: verdict.reason ?? '' });
      continue;
    }
    if (verdict.decision === 'allow') {
      accepted.add(probe.group);
      routeAllowed.add(routeName(probe));
      continue;
    }
    findings.push({
      kind: 'edge_allow_mesh_deny',
      route: routeName(probe),
      group: probe.group,
      meshRule: verdict.rule,
      message: `the edge allows ${label} by ${routeName(probe)}; the mesh denies it (${verdict.rule === 'none' ? 'no ALLOW rule matches' : verdict.rule})`,
    });
  }

  const grantedGroups = new Set(probes.map((p) => p.group).filter((g) => g !== '*'));
  for (const group of grantedGroups) {
    if (!accepted.has(group) && !undetermined.some((u) => u.group === group)) {
      findings.push({ kind: 'group_not_accepted', group, message: `group ${group}: the edge grants it, and no mesh rule accepts it on any route the edge allows it` });
    }
  }
  for (const name of new Set(probes.map(routeName))) {
    if (!routeAllowed.has(name) && !undetermined.some((u) => u.route === name)) {
      findings.push({ kind: 'path_denied_for_every_group', route: name, message: `${name}: the edge allows it, and the mesh denies it for every group the edge allows there` });
    }
  }
  for (const policy of policies) {
    if (policy.action !== 'ALLOW') continue;
    const applies = appliesTo(policy, probeRequest({ route: undefined, method: 'GET', path: '/', group: '*', via: undefined }, options), options.rootNamespace ?? 'istio-system');
    if (applies === false) continue;
    policy.rules.forEach((_rule, index) => {
      const name = ruleName(policy, index);
      if (!reachedMeshRules.has(name)) {
        findings.push({ kind: 'mesh_rule_unreached', meshRule: name, message: `${name}: no request the edge allows matches this mesh rule; it allows only what the edge denies, or what it never sees` });
      }
    });
  }
  return { checked: probes.length, findings, undetermined };
}

/** One representative request per route rule, method and group the rule allows, per mapping rule granting the group. */
function edgeProbes(mapping: ClaimMapping | undefined, routes: RoutePolicy | undefined): Probe[] {
  const probes: Probe[] = [];
  const grants = (group: string): (MappingRule | undefined)[] => {
    if (!mapping) return [undefined];
    return mapping.rules.filter((rule) => rule.groups.includes(group));
  };
  if (!routes) {
    // Without a route policy the edge allows every verified caller everywhere.
    probes.push({ route: undefined, method: 'GET', path: '/', group: '*', via: undefined });
    return probes;
  }
  for (const route of routes.rules) {
    const methods = route.methods.includes('*') ? ['GET'] : route.methods;
    for (const method of methods) {
      for (const group of route.groups) {
        if (group === '*') {
          probes.push({ route, method, path: route.pathPrefix, group, via: undefined });
          continue;
        }
        for (const via of grants(group)) probes.push({ route, method, path: route.pathPrefix, group, via });
      }
    }
  }
  if (routes.default === 'allow') {
    const unrouted = '/.seam-check/unrouted';
    if (!routes.rules.some((route) => unrouted.startsWith(route.pathPrefix))) probes.push({ route: undefined, method: 'GET', path: unrouted, group: '*', via: undefined });
  }
  return probes;
}

const known = (value: string): Fact => ({ values: value === '' ? [] : [value] });

/** A value that `pattern` (exact, `prefix*`, `*suffix`, `*`) accepts. */
function sample(pattern: string): string {
  if (pattern === '*') return 'x';
  if (pattern.startsWith('*')) return `x${pattern.slice(1)}`;
  if (pattern.endsWith('*')) return `${pattern.slice(0, -1)}x`;
  return pattern;
}

function probeRequest(probe: Probe, options: CheckOptions): MeshRequest {
  const claimPath = probe.via ? (typeof probe.via.claim === 'string' ? [probe.via.claim] : probe.via.claim) : undefined;
  const groups = probe.via ? probe.via.groups : probe.group === '*' ? [] : [probe.group];
  const unknown = (why: string): Fact => ({ unknown: why });
  return {
    namespace: options.namespace ?? 'default',
    label: (key) => known(options.labels?.[key] ?? ''),
    host: unknown('the host is not known without traffic'),
    method: known(probe.method),
    path: known(probe.path),
    port: unknown('the port is not known without traffic'),
    requestPrincipal: options.issuer ? known(`${options.issuer}/${subject}`) : { unknown: 'the token issuer is not known (--issuer)', endsWith: `/${subject}` },
    sourcePrincipal: unknown("the caller's mTLS identity is not known without traffic"),
    sourceNamespace: unknown("the caller's namespace is not known without traffic"),
    sourceIp: unknown('source IPs are not known without traffic'),
    remoteIp: unknown('remote IPs are not known without traffic'),
    claim(path) {
      if (claimPath && path.length === claimPath.length && path.every((part, i) => part === claimPath[i])) return known(sample(probe.via!.values[0]!));
      if (path.length === 1 && path[0] === 'groups') return { values: groups };
      if (path.length === 1 && path[0] === 'sub') return known(subject);
      return { values: [] };
    },
    header: (name) => unknown(`header ${name} is not known without traffic`),
  };
}
