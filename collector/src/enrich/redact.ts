import type { Attributes } from '../model/span.ts';

const jwtShape = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const credentialScheme = /\b(Bearer|Basic|Digest|Negotiate)\s+[A-Za-z0-9._~+/=-]{8,}/gi;

export const redactedValue = '[REDACTED]';

/**
 * Removes credentials before anything is stored: values of credential-bearing keys (authorization,
 * cookies, tokens…) are replaced whole, and JWT-shaped strings or bearer credentials inside any other
 * value are cut out. Identity is kept as claims (subject, issuer, groups, kid), never as the token.
 */
export function redactAttributes(attributes: Attributes, sensitiveKeys: string[]): number {
  let count = 0;
  for (const key in attributes) {
    const value = attributes[key]!;
    const lower = key.toLowerCase();
    if (value !== '' && value !== redactedValue && sensitiveKeys.some((k) => lower.includes(k)) && !isClaimKey(lower)) {
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

export function redactText(text: string): string {
  if (!text.includes('eyJ') && !/bearer|basic|digest|negotiate/i.test(text)) return text;
  return text.replace(jwtShape, `${redactedValue}`).replace(credentialScheme, (_m, scheme: string) => `${scheme} ${redactedValue}`);
}

// Seam's own identity attributes name the token's claims, not the token.
function isClaimKey(key: string): boolean {
  return key.startsWith('seam.auth.') || key.startsWith('seam.authz.');
}
