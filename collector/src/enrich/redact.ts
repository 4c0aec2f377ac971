import type { Attributes } from '../model/span.ts';

const jwtShape = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const credentialScheme = /\b(Bearer|Basic|Digest|Negotiate)\s+[A-Za-z0-9._~+/=-]{8,}/gi;

export const redactedValue = '[REDACTED]';

/**
 * Removes credentials before anything is stored: values of credential-bearing keys (authorization,
 * cookies, tokens…) are replaced whole, and JWT-shaped strings or bearer credentials inside any other
 * value are cut out. Identity is kept as claims (subject, issuer, groups, kid), never as the token.
 * `keys` are the attributes' own keys, when the caller has listed them already.
 */
export function redactAttributes(attributes: Attributes, sensitiveKeys: string[], keys: readonly string[] = Object.keys(attributes)): number {
  let count = 0;
  const verdicts = verdictsFor(sensitiveKeys);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = attributes[key]!;
    if (value !== '' && value !== redactedValue && isSensitiveKey(key, sensitiveKeys, verdicts)) {
      attributes[key] = redactedValue;
      count++;
      continue;
    }
    const cleaned = redactText(value);
    if (cleaned !== value) {
      attributes[key] = cleaned;
      count++;
    }
  }
  return count;
}

// The shortest text either pattern matches: a JWT shape is nine characters (`eyJ`, two, a dot, two, a dot).
const shortestCredential = 9;
const mayHoldCredential = /eyJ|bearer|basic|digest|negotiate/i;

// A JWT shape starts with `eyJ` and a scheme credential follows its scheme after whitespace: a value with
// neither (most ids, paths, cluster names) is passed by one scan, without the case-insensitive pattern.
const jwtStartOrWhitespace = /eyJ|\s/;

export function redactText(text: string): string {
  if (text.length < shortestCredential || !jwtStartOrWhitespace.test(text) || !mayHoldCredential.test(text)) return text;
  return text.replace(jwtShape, `${redactedValue}`).replace(credentialScheme, (_m, scheme: string) => `${scheme} ${redactedValue}`);
}

/**
 * Matches the key's last segment — the header or field name in `http.request.header.authorization`,
 * `grpc.metadata:cookie` or `access_token` — so that namespaces such as `istio.authorization.dry_run.*`
 * or Seam's own `seam.auth.*` claims are not mistaken for credentials.
 */
function isSensitiveKey(key: string, sensitiveKeys: string[], verdicts: Map<string, boolean>): boolean {
  let verdict = verdicts.get(key);
  if (verdict === undefined) {
    const name = key.toLowerCase().split(/[.:/]/).at(-1) ?? '';
    verdict = sensitiveKeys.some((sensitive) => name.includes(sensitive));
    // Attribute keys repeat from span to span; a sender inventing new ones only resets the memo.
    if (verdicts.size >= maxRememberedKeys) verdicts.clear();
    verdicts.set(key, verdict);
  }
  return verdict;
}

const maxRememberedKeys = 10_000;
const verdictsByKeys = new WeakMap<string[], Map<string, boolean>>();

function verdictsFor(sensitiveKeys: string[]): Map<string, boolean> {
  let verdicts = verdictsByKeys.get(sensitiveKeys);
  if (!verdicts) verdictsByKeys.set(sensitiveKeys, (verdicts = new Map()));
  return verdicts;
}
