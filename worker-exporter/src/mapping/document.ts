import { canonicalJson } from '../lib/canonical-json.ts';
import { checkKeys, InvalidDocumentError, isRecord, parseJsonDocument, stringArray } from '../lib/invalid.ts';
import { sha256Hex } from '../lib/sha256.ts';

export const MAPPING_SCHEMA = 'seam.claim-mapping/v1';

/** The claim→group rules document (format: worker-exporter/README.md, "Claim mapping"). */
export interface ClaimMapping {
  schema: typeof MAPPING_SCHEMA;
  description?: string;
  rules: MappingRule[];
}

export interface MappingRule {
  id: string;
  description?: string;
  /** A top-level claim name taken literally (it may contain dots or slashes), or a path into nested claims. */
  claim: string | string[];
  /** Exact strings, or Istio-style patterns: `prefix*`, `*suffix`, `*` (claim present). */
  values: string[];
  groups: string[];
}

export interface ParsedMapping {
  document: ClaimMapping;
  /** `sha256:` + the first 16 hex digits of SHA-256 over the canonical JSON of the document. */
  version: string;
}

export const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@/-]*$/;
const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Validates a mapping document strictly, so a typo fails at deploy time instead of silently granting nothing. */
export async function parseMapping(input: string | unknown): Promise<ParsedMapping> {
  const doc = typeof input === 'string' ? parseJsonDocument(input, 'CLAIM_MAPPING') : input;
  if (!isRecord(doc)) throw new InvalidDocumentError('CLAIM_MAPPING must be a JSON object');
  checkKeys(doc, ['schema', 'description', 'rules'], 'CLAIM_MAPPING');
  if (doc.schema !== MAPPING_SCHEMA) {
    throw new InvalidDocumentError(`CLAIM_MAPPING.schema must be "${MAPPING_SCHEMA}" (got ${JSON.stringify(doc.schema)})`);
  }
  if (doc.description !== undefined && typeof doc.description !== 'string') {
    throw new InvalidDocumentError('CLAIM_MAPPING.description must be a string');
  }
  if (!Array.isArray(doc.rules)) throw new InvalidDocumentError('CLAIM_MAPPING.rules must be an array of rules');
  const ids = new Set<string>();
  doc.rules.forEach((rule: unknown, i: number) => {
    const where = `CLAIM_MAPPING.rules[${i}]`;
    if (!isRecord(rule)) throw new InvalidDocumentError(`${where} must be an object`);
    checkKeys(rule, ['id', 'description', 'claim', 'values', 'groups'], where);
    if (typeof rule.id !== 'string' || !RULE_ID.test(rule.id)) {
      throw new InvalidDocumentError(`${where}.id must be a string matching ${RULE_ID}`);
    }
    if (ids.has(rule.id)) throw new InvalidDocumentError(`${where}.id "${rule.id}" is used twice; rule ids must be unique`);
    ids.add(rule.id);
    if (rule.description !== undefined && typeof rule.description !== 'string') {
      throw new InvalidDocumentError(`${where}.description must be a string`);
    }
    if (typeof rule.claim === 'string') {
      if (rule.claim === '') throw new InvalidDocumentError(`${where}.claim must not be empty`);
    } else {
      stringArray(rule.claim, `${where}.claim (a claim name or a path array)`);
    }
    for (const v of stringArray(rule.values, `${where}.values`)) {
      const star = v.indexOf('*');
      if (star !== -1 && v !== '*' && !(star === 0 && v.lastIndexOf('*') === 0) && !(star === v.length - 1)) {
        throw new InvalidDocumentError(
          `${where}.values has "${v}": "*" may only be the whole value, its first character or its last character`,
        );
      }
    }
    stringArray(rule.groups, `${where}.groups`, GROUP_NAME);
  });
  const document = doc as unknown as ClaimMapping;
  return { document, version: `sha256:${(await sha256Hex(canonicalJson(document))).slice(0, 16)}` };
}
