#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { hashToken } from '../auth/bearer.ts';
import { ConfigError } from '../config/load.ts';
import { parseArgs, UsageError, type ParsedArgs } from './args.ts';
import { investigateCommand } from './investigate.ts';
import { policyCommand } from './policy.ts';
import { migrateCommand } from './migrate.ts';
import { start } from './start.ts';
import { decisionsCommand, keysCommand, mismatchesCommand } from './tables.ts';

const usage = `seam — edge ↔ mesh trace correlation

  seam start [--config file]            run every receiver and the query API
  seam --version                        print the collector's version
  seam migrate [--cluster NAME] [--print]
                                        apply (or print) the ClickHouse schema
  seam token hash <token>               print the SHA-256 to put in SEAM_TOKEN_HASHES
  seam policy render --mapping rules.json [--routes route-policy.json] [--namespace ns] [--selector app=x]
                                        Istio AuthorizationPolicy from the Worker's claim mapping
  seam policy simulate [--routes route-policy.json] [--authz policies.yaml] [--from T --to T] [--assertion-issuer iss] [--json]
                                        recorded requests a proposed policy would flip (--url or SEAM_DATA_DIR)
  seam policy check --authz policies.yaml [--mapping rules.json] [--routes route-policy.json] [--namespace ns] [--selector app=x]
                                        drift between the edge's rules and AuthorizationPolicies (exit 1 on drift)
  seam investigate <trace-id | ray-id | request-id | subject> [--from T] [--to T] [--json]
                                        the joined edge ↔ mesh story of one request
  seam decisions [--subject S] [--layer L] [--decision allow|deny] [--reason R] [--service S]
  seam mismatches [--kind K]
  seam keys                             decision records, mismatches, signing keys, as tables
                                        (all take --from/--to (RFC 3339 or epoch ms), --limit,
                                        --cursor, --json; --url http://host:8080 [--token T] reads a
                                        running collector, otherwise SEAM_DATA_DIR is read directly)

Settings come from environment variables (SEAM_HOST, SEAM_*_PORT, SEAM_DATA_DIR, CLICKHOUSE_URL, …)
and an optional YAML/JSON file; see README.md.`;

const commands: Record<string, (args: ParsedArgs) => Promise<void>> = {
  start,
  migrate: migrateCommand,
  investigate: investigateCommand,
  decisions: decisionsCommand,
  mismatches: mismatchesCommand,
  keys: keysCommand,
  policy: policyCommand,
  token: async (args) => {
    const [action, token] = args.positional.slice(1);
    if (action !== 'hash' || !token) throw new UsageError('usage: seam token hash <token>');
    console.log(hashToken(token));
  },
};

/** The version in collector/package.json, which sits two folders up from both src/cli and dist/cli. */
function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const name = args.positional[0];
  if (!name && args.options.has('version')) {
    console.log(version());
    return;
  }
  if (!name || name === 'help' || args.options.has('help')) {
    console.log(usage);
    return;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command "${name}"\n\n${usage}`);
  await command(args);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof ConfigError) {
    console.error(`seam: ${error.message}`);
    process.exit(2);
  }
  console.error(`seam: ${(error as Error).message}`);
  process.exit(1);
});
