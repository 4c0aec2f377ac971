import type { SeamConfig } from '../config/schema.ts';
import { ConfigError } from '../config/load.ts';

/**
 * Whether listeners demand credentials. `auto` demands them as soon as any listener leaves loopback,
 * because then anyone on the network could write spans or read identities.
 */
export function authRequired(config: SeamConfig, jwtConfigured = false): boolean {
  if (config.auth === 'off') return false;
  const loopback = isLoopback(config.host);
  const required = config.auth === 'on' || !loopback;
  if (required && config.tokenHashes.length === 0 && !jwtConfigured) {
    throw new ConfigError(
      `SEAM_HOST=${config.host} is reachable from other machines, so Seam requires credentials: set SEAM_TOKEN_HASHES ` +
        '(SHA-256 hex of each bearer token, comma-separated; make one with `seam token hash <token>`) or SEAM_API_JWKS, or bind to 127.0.0.1, ' +
        'or set SEAM_AUTH=off to run unauthenticated (not recommended)',
    );
  }
  return required;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
