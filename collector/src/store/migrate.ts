import { createHash } from 'node:crypto';
import { listSqlFiles, loadSql, splitStatements } from '../lib/sql-files.ts';
import { renderSchema, type SchemaTarget } from './render-schema.ts';
import type { Store } from './open.ts';

export interface Migration {
  version: number;
  name: string;
  statements: string[];
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  skipped: string[];
}

/** Every numbered file in `queries/schema/`, rendered for the target, in order. */
export function renderMigrations(target: SchemaTarget): Migration[] {
  return listSqlFiles('schema')
    .filter((file) => !file.startsWith('R_'))
    .map((file) => {
    const match = /^(\d+)_(.+)\.sql$/.exec(file);
    if (!match) throw new Error(`queries/schema/${file} must be named <number>_<name>.sql`);
    const template = loadSql(`schema/${file}`);
    return {
      version: Number(match[1]),
      name: match[2]!,
      // The checksum covers the template, not the rendering, so retention changes do not look like edits.
      checksum: createHash('sha256').update(template).digest('hex').slice(0, 16),
      statements: splitStatements(renderSchema(template, target)),
    };
  });
}

/**
 * The repeatable files (`R_<name>.sql`): views that hold no data and depend on settings, re-created on
 * every run after the numbered migrations, as Flyway does with its repeatable migrations.
 */
export function renderRepeatables(target: SchemaTarget): { name: string; statements: string[] }[] {
  return listSqlFiles('schema')
    .filter((file) => file.startsWith('R_'))
    .map((file) => ({ name: file.replace(/\.sql$/, ''), statements: splitStatements(renderSchema(loadSql(`schema/${file}`), target)) }));
}

const ledger = 'seam_schema_migrations';

/**
 * Applies the migrations not yet recorded in `seam_schema_migrations`. Each statement is idempotent
 * (`IF NOT EXISTS`), so a run interrupted between a statement and its record is safe to repeat.
 */
export async function migrate(
  store: Store,
  target: SchemaTarget,
  onProgress: (line: string) => void = () => {},
): Promise<MigrateResult> {
  const onCluster = target.cluster ? ` ON CLUSTER "${target.cluster}"` : '';
  await store.client.command({
    query:
      `CREATE TABLE IF NOT EXISTS ${ledger}${onCluster} (Version UInt32, Name String, Checksum String, AppliedAt DateTime64(3)) ` +
      `ENGINE = ${target.cluster ? `ReplicatedReplacingMergeTree('/clickhouse/tables/{database}/${ledger}', '{replica}')` : 'ReplacingMergeTree'} ORDER BY Version`,
  });
  const done = await appliedVersions(store);
  const result: MigrateResult = { applied: [], skipped: [] };
  const migrations = renderMigrations(target);
  for (const [index, migration] of migrations.entries()) {
    const label = `${String(migration.version).padStart(3, '0')}_${migration.name}`;
    if (done.has(migration.version)) {
      result.skipped.push(label);
      continue;
    }
    onProgress(`migrate [${index + 1}/${migrations.length}] ${label} (${migration.statements.length} statements)`);
    for (const statement of migration.statements) {
      await store.client.command({ query: statement });
    }
    await store.client.insert({
      table: ledger,
      values: [{ Version: migration.version, Name: migration.name, Checksum: migration.checksum, AppliedAt: Date.now() }],
      format: 'JSONEachRow',
    });
    result.applied.push(label);
  }
  for (const repeatable of renderRepeatables(target)) {
    for (const statement of repeatable.statements) await store.client.command({ query: statement });
  }
  return result;
}

/** True when every migration in `queries/schema/` is recorded as applied. */
export async function isMigrated(store: Store): Promise<boolean> {
  try {
    const done = await appliedVersions(store);
    return renderMigrations({ retentionDays: 1 }).every((m) => done.has(m.version));
  } catch {
    return false;
  }
}

async function appliedVersions(store: Store): Promise<Set<number>> {
  const result = await store.client.query({ query: `SELECT DISTINCT Version FROM ${ledger}`, format: 'JSONEachRow' });
  const rows = await result.json<{ Version: number }>();
  return new Set(rows.map((row) => Number(row.Version)));
}
