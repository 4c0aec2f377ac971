import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { defaultConfig, environmentVariables, type SeamConfig } from './schema.ts';

export class ConfigError extends Error {}

const enums: Record<string, string[]> = { auth: ['auto', 'on', 'off'], receiverAuth: ['same', 'off'], ack: ['wal', 'store'] };

/**
 * Defaults, then the optional YAML/JSON file (`seam start --config`), then environment variables.
 * Every key is checked against the defaults' shape, so a typo or a wrong type names the key at start-up.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, file?: string): SeamConfig {
  const config = structuredClone(defaultConfig) as unknown as Record<string, unknown>;
  if (file) {
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(`cannot read the config file ${file}: ${(error as Error).message}`);
    }
    if (parsed !== null && parsed !== undefined) merge(config, parsed, '', file);
  }
  for (const [variable, path] of Object.entries(environmentVariables)) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    setPath(config, path, value, `environment variable ${variable}`);
  }
  const result = config as unknown as SeamConfig;
  validate(result);
  return result;
}

function merge(target: Record<string, unknown>, source: unknown, prefix: string, file: string): void {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    throw new ConfigError(`${file}: ${prefix || 'the top level'} must be a mapping of settings`);
  }
  for (const [key, value] of Object.entries(source)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!(key in target)) throw new ConfigError(`${file}: unknown setting "${path}"; known here: ${Object.keys(target).join(', ')}`);
    const current = target[key];
    if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
      merge(current as Record<string, unknown>, value, path, file);
    } else {
      target[key] = coerce(current, value, `${file}: setting "${path}"`);
    }
  }
}

function setPath(config: Record<string, unknown>, path: string, value: string, where: string): void {
  const parts = path.split('.');
  let node = config;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  const last = parts.at(-1)!;
  node[last] = coerce(node[last], value, where);
}

function coerce(current: unknown, value: unknown, where: string): unknown {
  if (typeof current === 'number') {
    const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isFinite(number)) throw new ConfigError(`${where} must be a number, got ${JSON.stringify(value)}`);
    return number;
  }
  if (typeof current === 'string') {
    if (typeof value !== 'string' && typeof value !== 'number') throw new ConfigError(`${where} must be a string, got ${JSON.stringify(value)}`);
    return String(value);
  }
  if (typeof current === 'boolean') {
    if (typeof value !== 'boolean') throw new ConfigError(`${where} must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }
  if (Array.isArray(current)) {
    if (typeof value === 'string') return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new ConfigError(`${where} must be a list of strings`);
    return value;
  }
  return value;
}

function validate(config: SeamConfig): void {
  for (const [name, port] of Object.entries(config.ports)) {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`ports.${name} must be a port number from 0 to 65535, got ${port}`);
  }
  for (const [key, allowed] of Object.entries(enums)) {
    const value = (config as unknown as Record<string, unknown>)[key];
    if (!allowed.includes(String(value))) throw new ConfigError(`${key} must be one of ${allowed.join(', ')}, got "${String(value)}"`);
  }
  const positive: [string, number][] = [
    ['retentionDays', config.retentionDays],
    ['limits.maxBodyBytes', config.limits.maxBodyBytes],
    ['limits.maxSpansPerRequest', config.limits.maxSpansPerRequest],
    ['writer.maxBatchRows', config.writer.maxBatchRows],
    ['writer.flushIntervalMs', config.writer.flushIntervalMs],
    ['writer.maxQueueRows', config.writer.maxQueueRows],
    ['writer.spoolMaxBytes', config.writer.spoolMaxBytes],
    ['writer.maxBacklogSeconds', config.writer.maxBacklogSeconds],
  ];
  for (const [key, value] of positive) {
    if (!(value > 0)) throw new ConfigError(`${key} must be greater than 0, got ${value}`);
  }
  const nonNegative: [string, number][] = [
    ['writer.spoolAfterMs', config.writer.spoolAfterMs],
    ['prepareThreads', config.prepareThreads],
    ['rateLimit.itemsPerSecond', config.rateLimit.itemsPerSecond],
    ['rateLimit.burstItems', config.rateLimit.burstItems],
  ];
  for (const [key, value] of nonNegative) {
    if (!(value >= 0)) throw new ConfigError(`${key} must be 0 or more, got ${value}`);
  }
  if (!Number.isInteger(config.prepareThreads)) throw new ConfigError(`prepareThreads must be a whole number of threads, got ${config.prepareThreads}`);
  for (const hash of config.tokenHashes) {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new ConfigError(`tokenHashes must hold SHA-256 hex digests (64 lowercase hex digits), got "${hash.slice(0, 12)}…"; make one with: seam token hash <token>`);
  }
  if (config.clickhouse.url) {
    let protocol = '';
    try {
      protocol = new URL(config.clickhouse.url).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      // The value is not echoed: it may carry a password.
      throw new ConfigError('CLICKHOUSE_URL is not an http(s) URL; use e.g. http://clickhouse:8123, or unset it to use the embedded store');
    }
  }
}
