import { Document } from 'yaml';
import type { ClaimMapping, MappingRule, RoutePolicy, RouteRule } from '@seam/worker-exporter/rules';

/**
 * Renders the Worker's claim→group mapping and route policy as one Istio ALLOW AuthorizationPolicy,
 * so the mesh enforces what the edge enforces. Istio cannot name groups, so each group a route allows
 * is replaced by the mapping rules that grant it: one Istio rule per (route rule, mapping rule), whose
 * `when` tests the same claim against the same values (the mapping's value patterns — exact, `prefix*`,
 * `*suffix`, `*` — are Istio's, and both match a claim array when any element matches).
 * Where Istio cannot express a condition the policy is made stricter, never looser, and says so.
 */

export interface RenderOptions {
  name?: string;
  namespace?: string;
  /** Workload labels the policy applies to; none means every workload in the namespace. */
  selector?: Record<string, string>;
  /** Accept tokens of this issuer only; otherwise any issuer the RequestAuthentication accepts. */
  issuer?: string;
  /** The mapping document's version (`sha256:…`), recorded on the policy. */
  mappingVersion?: string;
}

export interface AuthorizationPolicyRule {
  from: { source: { requestPrincipals: string[] } }[];
  to?: { operation: { methods?: string[]; paths?: string[]; notPaths?: string[] } }[];
  when?: { key: string; values: string[] }[];
}

export interface AuthorizationPolicyDocument {
  apiVersion: 'security.istio.io/v1';
  kind: 'AuthorizationPolicy';
  metadata: { name: string; namespace?: string; annotations: Record<string, string> };
  spec: { selector?: { matchLabels: Record<string, string> }; action: 'ALLOW'; rules?: AuthorizationPolicyRule[] };
}

export interface RenderedPolicy {
  policy: AuthorizationPolicyDocument;
  /** Where the rendering is stricter than the edge; also written into the YAML as comments. */
  warnings: string[];
  yaml: string;
}

interface ProvenancedRule {
  rule: AuthorizationPolicyRule;
  origin: string;
}

export function renderAuthorizationPolicy(mapping: ClaimMapping, routes: RoutePolicy | undefined, options: RenderOptions = {}): RenderedPolicy {
  const warnings: string[] = [];
  const from = [{ source: { requestPrincipals: [options.issuer ? `${options.issuer}/*` : '*'] } }];
  const rendered: ProvenancedRule[] = [];

  if (!routes) {
    // Without a route policy the edge allows every verified caller; the groups decide nothing.
    rendered.push({ rule: { from }, origin: 'no route policy: any verified caller, as at the edge' });
  } else {
    const expressiblePrefixes: string[] = [];
    let allPrefixesExpressible = true;
    for (const route of routes.rules) {
      if (route.pathPrefix.includes('*')) {
        allPrefixesExpressible = false;
        warnings.push(`route rule "${route.id}": pathPrefix "${route.pathPrefix}" contains "*", which Istio reads as a wildcard; the route is not rendered, so the mesh denies it`);
        continue;
      }
      expressiblePrefixes.push(route.pathPrefix);
      const to = [{ operation: operationFor(route) }];
      if (route.groups.includes('*')) {
        rendered.push({ rule: { from, to }, origin: `route "${route.id}": any verified caller` });
        continue;
      }
      const granting = mapping.rules.filter((rule) => rule.groups.some((group) => route.groups.includes(group)));
      if (granting.length === 0) {
        warnings.push(`route rule "${route.id}": no mapping rule grants any of ${route.groups.join(', ')}; the route allows nobody, at the edge and in the mesh`);
      }
      for (const rule of granting) {
        const key = claimKey(rule);
        if (!key) {
          warnings.push(`mapping rule "${rule.id}": claim ${JSON.stringify(rule.claim)} has a "[" or "]" Istio cannot address; route "${route.id}" is not granted through it in the mesh`);
          continue;
        }
        const groups = rule.groups.filter((group) => route.groups.includes(group));
        rendered.push({ rule: { from, to, when: [{ key, values: rule.values }] }, origin: `route "${route.id}" for ${groups.join(', ')} via mapping rule "${rule.id}"` });
      }
    }
    if (routes.default === 'allow') {
      if (!allPrefixesExpressible) {
        warnings.push('default "allow" is not rendered because a route could not be: the mesh denies requests no route mentions');
      } else {
        const methodBound = routes.rules.filter((route) => !route.methods.includes('*')).map((route) => route.id);
        if (methodBound.length > 0) {
          warnings.push(
            `default "allow": the edge also allows methods that route rules ${methodBound.join(', ')} do not list on their paths; ` +
              'the mesh denies those (only paths outside every route are allowed by default)',
          );
        }
        const to = expressiblePrefixes.length > 0 ? [{ operation: { notPaths: unique(expressiblePrefixes).map((prefix) => `${prefix}*`) } }] : undefined;
        rendered.push({ rule: to ? { from, to } : { from }, origin: `default "allow" of route policy "${routes.name}": paths no route mentions` });
      }
    }
  }

  const policy: AuthorizationPolicyDocument = {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: {
      name: options.name ?? routes?.name ?? 'seam-claim-mapping',
      ...(options.namespace ? { namespace: options.namespace } : {}),
      annotations: {
        'seam.dev/rendered-by': 'seam policy render',
        ...(options.mappingVersion ? { 'seam.dev/mapping-version': options.mappingVersion } : {}),
      },
    },
    spec: {
      ...(options.selector && Object.keys(options.selector).length > 0 ? { selector: { matchLabels: options.selector } } : {}),
      action: 'ALLOW',
      ...(rendered.length > 0 ? { rules: rendered.map((r) => r.rule) } : {}),
    },
  };
  return { policy, warnings, yaml: toYaml(policy, rendered, warnings, options) };
}

function operationFor(route: RouteRule): { methods?: string[]; paths: string[] } {
  return { ...(route.methods.includes('*') ? {} : { methods: route.methods }), paths: [`${route.pathPrefix}*`] };
}

/** `request.auth.claims[a]`, or `[a][b]` for a nested path; undefined when a name holds a bracket. */
export function claimKey(rule: MappingRule): string | undefined {
  const path = typeof rule.claim === 'string' ? [rule.claim] : rule.claim;
  if (path.some((part) => part.includes('[') || part.includes(']'))) return undefined;
  return `request.auth.claims${path.map((part) => `[${part}]`).join('')}`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function toYaml(policy: AuthorizationPolicyDocument, rendered: ProvenancedRule[], warnings: string[], options: RenderOptions): string {
  // Rules share their `from` and `to` objects; plain copies read better than YAML anchors.
  const doc = new Document(policy, { aliasDuplicateObjects: false });
  const header = [
    ' Rendered by `seam policy render` from the Worker\'s claim mapping' + (options.mappingVersion ? ` (${options.mappingVersion})` : '') + ' and route policy.',
    ' Claims are read from the JWT verified by a RequestAuthentication on the selected workloads.',
    ...(rendered.length === 0 ? [' No rule could be rendered: this ALLOW policy without rules denies every request.'] : []),
    ...warnings.map((warning) => ` STRICTER THAN THE EDGE: ${warning}`),
  ];
  doc.commentBefore = header.join('\n');
  rendered.forEach((r, index) => {
    const node = doc.getIn(['spec', 'rules', index], true) as { commentBefore?: string } | undefined;
    if (node) node.commentBefore = ` ${r.origin}`;
  });
  return doc.toString({ lineWidth: 0 });
}
