import type { ClaimMapping } from './document.ts';

/**
 * Groups granted to a verified token's claims. Every rule is evaluated (order does not matter):
 * a rule grants its groups when the claim, or any element of a claim array, matches any of its
 * values. Non-string claim values never match. The result is sorted and without duplicates.
 */
export function evaluateMapping(mapping: ClaimMapping, claims: Record<string, unknown>): string[] {
  const groups = new Set<string>();
  for (const rule of mapping.rules) {
    const value = readClaim(claims, rule.claim);
    const candidates = Array.isArray(value) ? value : [value];
    const hit = candidates.some((c) => typeof c === 'string' && rule.values.some((pattern) => matches(pattern, c)));
    if (hit) for (const g of rule.groups) groups.add(g);
  }
  return [...groups].sort();
}

function readClaim(claims: Record<string, unknown>, path: string | string[]): unknown {
  if (typeof path === 'string') return claims[path];
  let node: unknown = claims;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

// Istio's string match semantics, so `seam policy render` can copy the values unchanged.
function matches(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}
