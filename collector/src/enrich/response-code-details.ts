export interface DetailsVerdict {
  decision: 'allow' | 'deny';
  reason: string;
  policy: string;
}

/**
 * Reads Envoy's `%RESPONSE_CODE_DETAILS%`, the one signal that says which filter answered:
 * `rbac_access_denied_matched_policy[ns[<ns>]-policy[<name>]-rule[<i>]]` (or `[none]` when no ALLOW rule
 * matched), `jwt_authn_access_denied{<cause>}`, `ext_authz_denied`, `ext_authz_error`. Anything else
 * (`via_upstream`, `upstream_reset…`) means the proxy let the request through.
 */
export function readResponseCodeDetails(details: string): DetailsVerdict | null {
  if (details === '' || details === '-') return null;
  const rbac = /^rbac_access_denied_matched_policy\[(.*)\]$/.exec(details);
  if (rbac) return { decision: 'deny', reason: 'rbac', policy: rbac[1]! };
  const jwt = /^jwt_authn_access_denied\{(.*)\}$/.exec(details);
  if (jwt) return { decision: 'deny', reason: 'authn', policy: jwt[1]! };
  if (details === 'ext_authz_denied' || details === 'ext_authz_error') {
    return { decision: 'deny', reason: 'ext_authz', policy: details === 'ext_authz_error' ? 'ext_authz_error' : '' };
  }
  return { decision: 'allow', reason: '', policy: '' };
}
