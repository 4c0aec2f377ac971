import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const queriesDir = fileURLToPath(new URL('../../../queries/', import.meta.url));

const cache = new Map<string, string>();

/** Reads `queries/<relativePath>` once per process. */
export function loadSql(relativePath: string): string {
  let sql = cache.get(relativePath);
  if (sql === undefined) {
    sql = readFileSync(join(queriesDir, relativePath), 'utf8');
    cache.set(relativePath, sql);
  }
  return sql;
}

export function listSqlFiles(folder: string): string[] {
  return readdirSync(join(queriesDir, folder))
    .filter((name) => name.endsWith('.sql'))
    .sort();
}

/** Splits a file of `;`-terminated statements; comments and blank statements are dropped. */
export function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}
