import { checkKeys, InvalidDocumentError, isRecord, parseJsonDocument, stringArray } from '../lib/invalid.ts';
import { GROUP_NAME } from '../mapping/document.ts';

export const ROUTE_POLICY_SCHEMA = 'seam.route-policy/v1';

/** Which mesh groups may call which method and path prefix (format: worker-exporter/README.md, "Route policy"). */
export interface RoutePolicy {
  schema: typeof ROUTE_POLICY_SCHEMA;
  name: string;
  description?: string;
  /** What happens to a request no rule's methods and pathPrefix match. */
  default: 'allow' | 'deny';
  rules: RouteRule[];
}

export interface RouteRule {
  id: string;
  description?: string;
  /** Upper-case HTTP methods, or `["*"]` for any. */
  methods: string[];
  /** Plain string prefix of the URL path, as Istio's `paths: ["<prefix>*"]` matches. */
  pathPrefix: string;
  /** Groups allowed; `"*"` allows any verified caller. */
  groups: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const METHOD = /^([A-Z]+|\*)$/;

export function parseRoutePolicy(input: string | unknown): RoutePolicy {
  const doc = typeof input === 'string' ? parseJsonDocument(input, 'ROUTE_POLICY') : input;
  if (!isRecord(doc)) throw new InvalidDocumentError('ROUTE_POLICY must be a JSON object');
  checkKeys(doc, ['schema', 'name', 'description', 'default', 'rules'], 'ROUTE_POLICY');
  if (doc.schema !== ROUTE_POLICY_SCHEMA) {
    throw new InvalidDocumentError(`ROUTE_POLICY.schema must be "${ROUTE_POLICY_SCHEMA}" (got ${JSON.stringify(doc.schema)})`);
  }
  if (typeof doc.name !== 'string' || !NAME.test(doc.name)) {
    throw new InvalidDocumentError(`ROUTE_POLICY.name must be a string matching ${NAME}; it is recorded as seam.authz.policy`);
  }
  if (doc.description !== undefined && typeof doc.description !== 'string') {
    throw new InvalidDocumentError('ROUTE_POLICY.description must be a string');
  }
  if (doc.default !== 'allow' && doc.default !== 'deny') {
    throw new InvalidDocumentError('ROUTE_POLICY.default must be "allow" or "deny"');
  }
  if (!Array.isArray(doc.rules)) throw new InvalidDocumentError('ROUTE_POLICY.rules must be an array of rules');
  const ids = new Set<string>();
  doc.rules.forEach((rule: unknown, i: number) => {
    const where = `ROUTE_POLICY.rules[${i}]`;
    if (!isRecord(rule)) throw new InvalidDocumentError(`${where} must be an object`);
    checkKeys(rule, ['id', 'description', 'methods', 'pathPrefix', 'groups'], where);
    if (typeof rule.id !== 'string' || !NAME.test(rule.id)) throw new InvalidDocumentError(`${where}.id must be a string matching ${NAME}`);
    if (ids.has(rule.id)) throw new InvalidDocumentError(`${where}.id "${rule.id}" is used twice; rule ids must be unique`);
    ids.add(rule.id);
    if (rule.description !== undefined && typeof rule.description !== 'string') {
      throw new InvalidDocumentError(`${where}.description must be a string`);
    }
    stringArray(rule.methods, `${where}.methods`, METHOD);
    if (typeof rule.pathPrefix !== 'string' || !rule.pathPrefix.startsWith('/')) {
      throw new InvalidDocumentError(`${where}.pathPrefix must be a string starting with "/"`);
    }
    const groups = stringArray(rule.groups, `${where}.groups`);
    const bad = groups.find((g) => g !== '*' && !GROUP_NAME.test(g));
    if (bad !== undefined) throw new InvalidDocumentError(`${where}.groups contains "${bad}", which is neither "*" nor a group name matching ${GROUP_NAME}`);
  });
  return doc as unknown as RoutePolicy;
}
