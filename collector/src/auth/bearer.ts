import { createHash, timingSafeEqual } from 'node:crypto';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Checks an `Authorization: Bearer <token>` value against configured SHA-256 hashes. Only hashes are
 * configured, so a leaked config file reveals no token; the comparison is constant-time per hash.
 */
export function checkBearer(header: string | undefined, hashes: string[]): 'ok' | 'missing' | 'wrong' {
  if (!header) return 'missing';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return 'wrong';
  const presented = Buffer.from(hashToken(match[1]!), 'hex');
  let ok = false;
  for (const hash of hashes) {
    const expected = Buffer.from(hash, 'hex');
    if (expected.length === presented.length && timingSafeEqual(expected, presented)) ok = true;
  }
  return ok ? 'ok' : 'wrong';
}
