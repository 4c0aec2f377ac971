import { describe, expect, it } from 'vitest';
import { parseAuthorizationPolicies } from './authorization.ts';
import { dependsOnSubject } from './subject-dependence.ts';

const issuer = 'https://edge.example.com';
const withSource = (principals: string[], not = false) =>
  parseAuthorizationPolicies(
    `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: p, namespace: default }\nspec:\n  rules:\n  - from: [{ source: { ${not ? 'notRequestPrincipals' : 'requestPrincipals'}: ${JSON.stringify(principals)} } }]\n`,
  );
const withCondition = (key: string, values: string[]) =>
  parseAuthorizationPolicies(
    `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: p, namespace: default }\nspec:\n  rules:\n  - when: [{ key: "${key}", values: ${JSON.stringify(values)} }]\n`,
  );

describe('dependsOnSubject', () => {
  it('is false for patterns that only ask whether a verified JWT of the issuer was present', () => {
    expect(dependsOnSubject(withSource(['*']), issuer)).toBe(false);
    expect(dependsOnSubject(withSource([`${issuer}/*`]), issuer)).toBe(false);
    expect(dependsOnSubject(withSource(['https://other.example.com/*', 'https://other.example.com/alice']), issuer)).toBe(false);
    expect(dependsOnSubject(withSource(['https://edge.example.c*']), issuer)).toBe(false);
    expect(dependsOnSubject(withCondition('request.auth.claims[groups]', ['eng']), issuer)).toBe(false);
  });

  it('is true for patterns that name or narrow the subject, and for the sub claim', () => {
    expect(dependsOnSubject(withSource([`${issuer}/alice`]), issuer)).toBe(true);
    expect(dependsOnSubject(withSource([`${issuer}/auth0|user-1*`]), issuer)).toBe(true);
    expect(dependsOnSubject(withSource(['*/alice'], true), issuer)).toBe(true);
    expect(dependsOnSubject(withCondition('request.auth.principal', [`${issuer}/bob`]), issuer)).toBe(true);
    expect(dependsOnSubject(withCondition('request.auth.claims[sub]', ['bob']), issuer)).toBe(true);
  });

  it('without the issuer, treats every pattern but `*` and prefixes as naming the subject', () => {
    expect(dependsOnSubject(withSource(['*', `${issuer}/*`]), undefined)).toBe(false);
    expect(dependsOnSubject(withSource(['https://other.example.com/alice']), undefined)).toBe(true);
  });
});
