import { parseAllDocuments } from 'yaml';

/**
 * Istio AuthorizationPolicy evaluation as Istio documents it (security.istio.io/v1, "Authorization
 * Policy"): CUSTOM policies first, then DENY, then ALLOW; a workload with no ALLOW policy is allowed;
 * a policy applies to the workloads its selector picks in its own namespace, or in every namespace
 * when it lives in the root namespace. A rule matches when one of its sources, one of its operations
 * and all of its conditions match; an empty rule matches everything.
 *
 * A recorded request does not tell everything Envoy knew (peer certificates, most headers), so every
 * match here is three-valued: true, false, or unknown with the reason, and an unknown that could
 * change the outcome makes the whole decision undecidable instead of a guess.
 */

export type Action = 'ALLOW' | 'DENY' | 'CUSTOM' | 'AUDIT';

export interface Source {
  principals?: string[];
  notPrincipals?: string[];
  requestPrincipals?: string[];
  notRequestPrincipals?: string[];
  namespaces?: string[];
  notNamespaces?: string[];
  ipBlocks?: string[];
  notIpBlocks?: string[];
  remoteIpBlocks?: string[];
  notRemoteIpBlocks?: string[];
}

export interface Operation {
  hosts?: string[];
  notHosts?: string[];
  ports?: string[];
  notPorts?: string[];
  methods?: string[];
  notMethods?: string[];
  paths?: string[];
  notPaths?: string[];
}

export interface Condition {
  key: string;
  values?: string[];
  notValues?: string[];
}

export interface Rule {
  from?: { source: Source }[];
  to?: { operation: Operation }[];
  when?: Condition[];
}

export interface AuthorizationPolicy {
  name: string;
  namespace: string;
  selector: Record<string, string> | undefined;
  /** Gateway API or waypoint attachment, which a recorded span cannot be matched against. */
  targetRefs: boolean;
  action: Action;
  provider: string | undefined;
  rules: Rule[];
}

/**
 * A fact about a recorded request: its values (none: absent from the request), or why Seam cannot tell,
 * with the value's ending when that much is known (a request principal `<issuer>/<subject>` whose
 * issuer is unknown still decides `*` and `*<ending>` patterns).
 */
export type Fact = { values: readonly string[] } | { unknown: string; endsWith?: string };

/** What Seam recorded about one request at one mesh decision point. */
export interface MeshRequest {
  /** The namespace of the workload that decided. */
  namespace: string;
  label(key: string): Fact;
  host: Fact;
  method: Fact;
  /** The URL path without query, as Envoy's RBAC filter matches it. */
  path: Fact;
  port: Fact;
  requestPrincipal: Fact;
  sourcePrincipal: Fact;
  sourceNamespace: Fact;
  sourceIp: Fact;
  remoteIp: Fact;
  claim(path: string[]): Fact;
  header(name: string): Fact;
}

export type Match = boolean | { unknown: string };

export interface MeshVerdict {
  decision: 'allow' | 'deny' | 'undecidable';
  /** The deciding rule, named as Envoy reports it: `ns[<ns>]-policy[<name>]-rule[<i>]`; `none` when no ALLOW rule matched, `default` when no ALLOW policy applies. */
  rule: string;
  /** Why the decision is undecidable. */
  reason?: string;
}

export class InvalidPolicyError extends Error {}

const actions: Action[] = ['ALLOW', 'DENY', 'CUSTOM', 'AUDIT'];
const sourceKeys = ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'];
const operationKeys = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'];

/**
 * Reads the AuthorizationPolicies of a multi-document YAML (or a `kind: List`, as `kubectl get -o yaml`
 * writes); other kinds are skipped. Fails with the document and field at fault.
 */
export function parseAuthorizationPolicies(text: string, defaultNamespace = 'default'): AuthorizationPolicy[] {
  const policies: AuthorizationPolicy[] = [];
  const documents = parseAllDocuments(text);
  documents.forEach((document, index) => {
    if (document.errors.length > 0) throw new InvalidPolicyError(`YAML document ${index + 1}: ${document.errors[0]!.message}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return;
    const items = isRecord(value) && value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
    items.forEach((item: unknown, itemIndex: number) => {
      const where = items.length > 1 ? `document ${index + 1}, item ${itemIndex + 1}` : `document ${index + 1}`;
      if (!isRecord(item)) throw new InvalidPolicyError(`${where} is not a Kubernetes object`);
      if (item.kind !== 'AuthorizationPolicy') return;
      if (typeof item.apiVersion !== 'string' || !item.apiVersion.startsWith('security.istio.io/')) {
        throw new InvalidPolicyError(`${where}: apiVersion must be security.istio.io/v1 or v1beta1 (got ${JSON.stringify(item.apiVersion)})`);
      }
      policies.push(readPolicy(item, where, defaultNamespace));
    });
  });
  return policies;
}

function readPolicy(item: Record<string, unknown>, where: string, defaultNamespace: string): AuthorizationPolicy {
  const metadata = isRecord(item.metadata) ? item.metadata : {};
  if (typeof metadata.name !== 'string' || metadata.name === '') throw new InvalidPolicyError(`${where}: metadata.name is required`);
  const at = `${where} (AuthorizationPolicy ${metadata.name})`;
  const spec = item.spec === undefined || item.spec === null ? {} : item.spec;
  if (!isRecord(spec)) throw new InvalidPolicyError(`${at}: spec must be an object`);
  const action = (spec.action ?? 'ALLOW') as Action;
  if (!actions.includes(action)) throw new InvalidPolicyError(`${at}: spec.action must be one of ${actions.join(', ')} (got ${JSON.stringify(spec.action)})`);
  let selector: Record<string, string> | undefined;
  if (spec.selector !== undefined) {
    const labels = isRecord(spec.selector) ? spec.selector.matchLabels : undefined;
    if (labels !== undefined && (!isRecord(labels) || Object.values(labels).some((v) => typeof v !== 'string'))) {
      throw new InvalidPolicyError(`${at}: spec.selector.matchLabels must map label names to strings`);
    }
    selector = (labels as Record<string, string> | undefined) ?? {};
  }
  const provider = isRecord(spec.provider) && typeof spec.provider.name === 'string' ? spec.provider.name : undefined;
  if (action === 'CUSTOM' && provider === undefined) throw new InvalidPolicyError(`${at}: a CUSTOM policy needs spec.provider.name`);
  if (spec.rules !== undefined && !Array.isArray(spec.rules)) throw new InvalidPolicyError(`${at}: spec.rules must be a list`);
  const rules = ((spec.rules ?? []) as unknown[]).map((rule, i) => readRule(rule, `${at}: spec.rules[${i}]`));
  return {
    name: metadata.name,
    namespace: typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : defaultNamespace,
    selector,
    targetRefs: spec.targetRef !== undefined || (Array.isArray(spec.targetRefs) && spec.targetRefs.length > 0),
    action,
    provider,
    rules,
  };
}

function readRule(value: unknown, where: string): Rule {
  if (value === null) return {};
  if (!isRecord(value)) throw new InvalidPolicyError(`${where} must be an object`);
  const rule: Rule = {};
  if (value.from !== undefined) {
    rule.from = list(value.from, `${where}.from`).map((entry, i) => ({ source: fields(isRecord(entry) ? entry.source : undefined, sourceKeys, `${where}.from[${i}].source`) }));
  }
  if (value.to !== undefined) {
    rule.to = list(value.to, `${where}.to`).map((entry, i) => ({ operation: fields(isRecord(entry) ? entry.operation : undefined, operationKeys, `${where}.to[${i}].operation`) }));
  }
  if (value.when !== undefined) {
    rule.when = list(value.when, `${where}.when`).map((entry, i) => {
      const at = `${where}.when[${i}]`;
      if (!isRecord(entry) || typeof entry.key !== 'string') throw new InvalidPolicyError(`${at}.key must be a string`);
      const condition: Condition = { key: entry.key };
      if (entry.values !== undefined) condition.values = strings(entry.values, `${at}.values`);
      if (entry.notValues !== undefined) condition.notValues = strings(entry.notValues, `${at}.notValues`);
      if (!condition.values && !condition.notValues) throw new InvalidPolicyError(`${at} needs values or notValues`);
      return condition;
    });
  }
  return rule;
}

function fields(value: unknown, keys: string[], where: string): Record<string, string[]> {
  if (!isRecord(value)) throw new InvalidPolicyError(`${where} must be an object`);
  const out: Record<string, string[]> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (!keys.includes(key)) throw new InvalidPolicyError(`${where}.${key} is not a field Istio knows; expected one of ${keys.join(', ')}`);
    out[key] = strings(entry, `${where}.${key}`);
  }
  return out;
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidPolicyError(`${where} must be a list`);
  return value;
}

function strings(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw new InvalidPolicyError(`${where} must be a list of strings`);
  return value.map((entry) => (typeof entry === 'number' ? String(entry) : entry)).map((entry) => {
    if (typeof entry !== 'string') throw new InvalidPolicyError(`${where} must be a list of strings`);
    return entry;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Istio's string match: exact, `prefix*`, `*suffix`, or `*` for any non-empty value. */
export function istioStringMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return value !== '';
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

const hostMatch = (pattern: string, value: string) => istioStringMatch(pattern.toLowerCase(), value.toLowerCase());

function pathMatch(pattern: string, value: string): Match {
  if (pattern.includes('{')) return { unknown: `path template "${pattern}" is not evaluated by Seam` };
  return istioStringMatch(pattern, value);
}

/** Any of `patterns` matches any of the fact's values. */
function anyOf(fact: Fact, patterns: string[], match: (pattern: string, value: string) => Match): Match {
  if ('unknown' in fact) return or(patterns.map((pattern) => partialMatch(pattern, fact)));
  return or(fact.values.flatMap((value) => patterns.map((pattern) => match(pattern, value))));
}

function partialMatch(pattern: string, fact: { unknown: string; endsWith?: string }): Match {
  const ending = fact.endsWith;
  if (ending !== undefined) {
    if (pattern === '*') return true;
    const tail = pattern.startsWith('*') ? pattern.slice(1) : pattern.endsWith('*') ? undefined : pattern;
    if (tail !== undefined && !ending.endsWith(tail) && !tail.endsWith(ending)) return false;
    if (pattern.startsWith('*') && ending.endsWith(tail!)) return true;
  }
  return { unknown: fact.unknown };
}

function not(match: Match): Match {
  return typeof match === 'boolean' ? !match : match;
}

/** True if any is true; otherwise unknown if any is unknown; otherwise false. */
export function or(matches: Match[]): Match {
  let unknown: Match | undefined;
  for (const match of matches) {
    if (match === true) return true;
    if (match !== false) unknown ??= match;
  }
  return unknown ?? false;
}

/** False if any is false; otherwise unknown if any is unknown; otherwise true. */
export function and(matches: Match[]): Match {
  let unknown: Match | undefined;
  for (const match of matches) {
    if (match === false) return false;
    if (match !== true) unknown ??= match;
  }
  return unknown ?? true;
}

/** A positive field and its `not` twin: the field (if set) matches and the twin (if set) does not. */
function field(fact: Fact, values: string[] | undefined, notValues: string[] | undefined, match: (pattern: string, value: string) => Match = istioStringMatch): Match {
  const parts: Match[] = [];
  if (values) parts.push(anyOf(fact, values, match));
  if (notValues) parts.push(not(anyOf(fact, notValues, match)));
  return and(parts);
}

function sourceMatches(source: Source, request: MeshRequest): Match {
  return and([
    field(request.sourcePrincipal, source.principals, source.notPrincipals),
    field(request.requestPrincipal, source.requestPrincipals, source.notRequestPrincipals),
    field(request.sourceNamespace, source.namespaces, source.notNamespaces),
    field(request.sourceIp, source.ipBlocks, source.notIpBlocks, ipMatch),
    field(request.remoteIp, source.remoteIpBlocks, source.notRemoteIpBlocks, ipMatch),
  ]);
}

function ipMatch(pattern: string): Match {
  return { unknown: `IP block "${pattern}" is not evaluated by Seam` };
}

function operationMatches(operation: Operation, request: MeshRequest): Match {
  return and([
    field(request.host, operation.hosts, operation.notHosts, hostMatch),
    field(request.port, operation.ports, operation.notPorts, (pattern, value) => pattern === value),
    field(request.method, operation.methods, operation.notMethods, (pattern, value) => pattern === value),
    field(request.path, operation.paths, operation.notPaths, pathMatch),
  ]);
}

/** The fact a `when` key names. */
function conditionFact(key: string, request: MeshRequest): Fact {
  const claim = /^request\.auth\.claims((?:\[[^\]]+\])+)$/.exec(key);
  if (claim) return request.claim([...claim[1]!.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!));
  const header = /^request\.headers\[(.+)\]$/.exec(key);
  if (header) return request.header(header[1]!.toLowerCase());
  switch (key) {
    case 'request.auth.principal':
      return request.requestPrincipal;
    case 'source.principal':
      return request.sourcePrincipal;
    case 'source.namespace':
      return request.sourceNamespace;
    case 'destination.port':
      return request.port;
    case 'source.ip':
      return request.sourceIp;
    case 'remote.ip':
      return request.remoteIp;
    default:
      return { unknown: `condition key ${key} is not recorded` };
  }
}

function conditionMatches(condition: Condition, request: MeshRequest): Match {
  const fact = conditionFact(condition.key, request);
  const ip = condition.key.endsWith('.ip');
  return field(fact, condition.values, condition.notValues, ip ? ipMatch : istioStringMatch);
}

export function ruleMatches(rule: Rule, request: MeshRequest): Match {
  return and([
    rule.from ? or(rule.from.map(({ source }) => sourceMatches(source, request))) : true,
    rule.to ? or(rule.to.map(({ operation }) => operationMatches(operation, request))) : true,
    ...(rule.when ?? []).map((condition) => conditionMatches(condition, request)),
  ]);
}

/** Whether the policy applies to the workload that decided this request. */
export function appliesTo(policy: AuthorizationPolicy, request: MeshRequest, rootNamespace: string): Match {
  if (policy.targetRefs) return { unknown: `policy ${policy.namespace}/${policy.name} attaches through targetRefs, which spans do not record` };
  if (policy.namespace !== rootNamespace && policy.namespace !== request.namespace) return false;
  if (!policy.selector) return true;
  return and(
    Object.entries(policy.selector).map(([key, value]) => {
      const fact = request.label(key);
      return 'unknown' in fact ? fact : fact.values.includes(value);
    }),
  );
}

export function ruleName(policy: AuthorizationPolicy, index: number): string {
  return `ns[${policy.namespace}]-policy[${policy.name}]-rule[${index}]`;
}

/** The first rule of the given policies that matches, or unknown, or none. */
function firstMatch(policies: { policy: AuthorizationPolicy; applies: Match }[], request: MeshRequest): { rule: string } | { unknown: string } | undefined {
  let unknown: { unknown: string } | undefined;
  for (const { policy, applies } of policies) {
    if (applies === false) continue;
    for (const [index, rule] of policy.rules.entries()) {
      const match = and([applies, ruleMatches(rule, request)]);
      if (match === true) return { rule: ruleName(policy, index) };
      if (match !== false) unknown ??= { unknown: `${ruleName(policy, index)}: ${match.unknown}` };
    }
  }
  return unknown;
}

export interface EvaluateOptions {
  rootNamespace: string;
  /**
   * The CUSTOM provider's recorded answer for this request: Seam cannot call the provider, so a
   * matching CUSTOM policy denies exactly when the provider denied the recorded request.
   */
  customDenied: boolean;
}

export function evaluateAuthorization(policies: AuthorizationPolicy[], request: MeshRequest, options: EvaluateOptions): MeshVerdict {
  const applicable = policies.map((policy) => ({ policy, applies: appliesTo(policy, request, options.rootNamespace) }));
  const of = (action: Action) => applicable.filter((entry) => entry.policy.action === action && entry.applies !== false);

  const custom = firstMatch(of('CUSTOM'), request);
  if (custom && options.customDenied) {
    if ('rule' in custom) return { decision: 'deny', rule: custom.rule };
    return { decision: 'undecidable', rule: '', reason: custom.unknown };
  }

  const deny = firstMatch(of('DENY'), request);
  if (deny && 'rule' in deny) return { decision: 'deny', rule: deny.rule };
  if (deny) return { decision: 'undecidable', rule: '', reason: deny.unknown };

  const allowPolicies = of('ALLOW');
  if (allowPolicies.length === 0) return { decision: 'allow', rule: 'default' };
  const allow = firstMatch(allowPolicies, request);
  if (allow && 'rule' in allow) return { decision: 'allow', rule: allow.rule };
  if (allow) return { decision: 'undecidable', rule: '', reason: allow.unknown };
  // No ALLOW rule matched: denied if an ALLOW policy applies to the workload at all, which a selector on unrecorded labels leaves open.
  const applies = or(allowPolicies.map((entry) => entry.applies));
  if (applies !== true) return { decision: 'undecidable', rule: '', reason: typeof applies === 'object' ? applies.unknown : 'no ALLOW policy applies' };
  return { decision: 'deny', rule: 'none' };
}
