import type { RoutePolicy } from './document.ts';

export interface RouteDecision {
  decision: 'allow' | 'deny';
  /** `route_policy` when a rule decided, `route_default` when the policy's default did. */
  reason: 'route_policy' | 'route_default';
  /** `<policy name>/<rule id>`, or `<policy name>/default`. */
  policy: string;
  /** The matched rule's prefix, usable as `http.route`. */
  route: string | undefined;
}

/**
 * Allows the request when any rule that matches its method and path lists one of the caller's
 * groups. When rules match the route but none grants, the request is denied whatever the default:
 * the default only covers routes the policy does not mention.
 */
export function evaluateRoute(policy: RoutePolicy, method: string, path: string, groups: readonly string[]): RouteDecision {
  const candidates = policy.rules.filter(
    (r) => (r.methods.includes('*') || r.methods.includes(method)) && path.startsWith(r.pathPrefix),
  );
  if (candidates.length === 0) {
    return { decision: policy.default, reason: 'route_default', policy: `${policy.name}/default`, route: undefined };
  }
  const granting = candidates.find((r) => r.groups.some((g) => g === '*' || groups.includes(g)));
  const rule = granting ?? candidates[0]!;
  return { decision: granting ? 'allow' : 'deny', reason: 'route_policy', policy: `${policy.name}/${rule.id}`, route: `${rule.pathPrefix}*` };
}
