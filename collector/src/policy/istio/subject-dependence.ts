import type { AuthorizationPolicy } from './authorization.ts';

/**
 * Whether any of the policies can decide differently for two requests that differ only in the subject
 * of their request principal (`<assertion issuer>/<subject>`). Most do not: `requestPrincipals: ["*"]`
 * or `["<issuer>/*"]` ask only whether a verified JWT was present, so a simulation of them can group
 * requests without their subjects. Patterns naming a caller (`*\/alice`, `<issuer>/alice`, a claim
 * `sub`) make it read every request with its subject.
 */
export function dependsOnSubject(policies: AuthorizationPolicy[], assertionIssuer: string | undefined): boolean {
  for (const policy of policies) {
    for (const rule of policy.rules) {
      for (const { source } of rule.from ?? []) {
        if ([...(source.requestPrincipals ?? []), ...(source.notRequestPrincipals ?? [])].some((p) => principalPatternDepends(p, assertionIssuer))) return true;
      }
      for (const condition of rule.when ?? []) {
        if (/^request\.auth\.claims\[sub\]/.test(condition.key)) return true;
        if (condition.key !== 'request.auth.principal') continue;
        if ([...(condition.values ?? []), ...(condition.notValues ?? [])].some((p) => principalPatternDepends(p, assertionIssuer))) return true;
      }
    }
  }
  return false;
}

/** Whether an Istio string match of `pattern` against `<issuer>/<subject>` can change with a non-empty subject. */
function principalPatternDepends(pattern: string, issuer: string | undefined): boolean {
  if (pattern === '*') return false;
  // Without the issuer the principal is only known to end in `/<subject>`: prefixes stay undecided whatever the subject.
  if (issuer === undefined) return !pattern.endsWith('*') || pattern.startsWith('*');
  if (pattern.startsWith('*')) return true;
  const known = `${issuer}/`;
  const stem = pattern.endsWith('*') ? pattern.slice(0, -1) : pattern;
  // Only a pattern reaching past the issuer's part of the principal looks at the subject.
  return stem.startsWith(known) && stem.length > known.length;
}
