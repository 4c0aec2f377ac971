import { mkdirSync, rmSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import type { ChdbConnection } from 'chdb/connection';
import { nativeStructure } from '../exporter/native/read-columns.ts';
import { loadEmbeddedEngine } from './embedded-engine.ts';
import { columnList, embeddedInsertSettings, insertSettings, settingsList, skipClause, type RowFormat, type SkipRows } from './insert-format.ts';

export interface StoreOptions {
  /** A ClickHouse server; unset means the embedded engine on `dataDir`. */
  url?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  database?: string | undefined;
  dataDir: string;
}

/**
 * The one way Seam reaches ClickHouse. Both modes go through `@clickhouse/client` and run the same SQL;
 * only inserts differ: a server takes Native blocks over HTTP, the embedded engine reads them from a file
 * (its in-memory insert takes text formats only, and Native goes in about three times faster than JSON).
 */
export interface Store {
  readonly mode: 'embedded' | 'server';
  readonly client: ClickHouseClient;
  readonly describe: string;
  /**
   * Inserts rows serialised in `format`, with the columns `columns` in that order; `skip` (Native only)
   * leaves out rows ClickHouse already holds.
   */
  insertRows(table: string, columns: readonly string[], rows: Buffer, format: RowFormat, skip?: SkipRows): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  return options.url ? openServer(options) : openEmbedded(options.dataDir);
}

async function openServer(options: StoreOptions): Promise<Store> {
  const inUrl = new URL(options.url!);
  const client = createClient({
    url: options.url,
    // Credentials in the URL win, as the client would log twice to say.
    ...(inUrl.username ? {} : { username: options.username ?? 'default', password: options.password ?? '' }),
    database: options.database ?? 'default',
    clickhouse_settings: { date_time_input_format: 'best_effort' },
    // Seam reports connection problems itself, with what to do about them.
    log: { level: ClickHouseLogLevel.ERROR },
  });
  const reachable = await client.ping();
  if (!reachable.success) {
    await client.close();
    throw new Error(
      `CLICKHOUSE_URL unreachable at ${redactUrl(options.url!)} (${errorText(reachable)}); ` +
        'check the address and credentials, or unset CLICKHOUSE_URL to use the embedded store',
    );
  }
  return {
    mode: 'server',
    client,
    describe: `ClickHouse server at ${redactUrl(options.url!)}`,
    async insertRows(table, columns, rows, format, skip) {
      // input() takes its structure as a literal; it is the header of blocks this collector wrote.
      const query = skip
        ? `INSERT INTO ${table} (${columnList(columns)}) SELECT * FROM input(${sqlString(nativeStructure(rows))})${skipClause(skip)} FORMAT ${format}`
        : `INSERT INTO ${table} (${columnList(columns)}) FORMAT ${format}`;
      await client.exec({ query, query_params: skip ? { skip: skip.keys } : {}, values: Readable.from([rows]), clickhouse_settings: insertSettings });
    },
    async ping() {
      return (await client.ping()).success;
    },
    close: () => client.close(),
  };
}

async function openEmbedded(dataDir: string): Promise<Store> {
  const path = resolve(dataDir, 'clickhouse');
  mkdirSync(path, { recursive: true });
  const { createChdbConnection } = await loadEmbeddedEngine();
  let connection: ChdbConnection;
  try {
    connection = createChdbConnection({ path });
  } catch (error) {
    throw new Error(
      `cannot open the embedded ClickHouse store in ${path}: ${(error as Error).message}; ` +
        'another Seam process may be using this data directory (set SEAM_DATA_DIR to another folder)',
    );
  }
  // chdb and @clickhouse/client each carry a copy of the shared connection types.
  const client = createClient({
    connection: connection as unknown as NonNullable<ClickHouseClientConfigOptions['connection']>,
  });
  let closed = false;
  // Native blocks reach the engine through a file; nothing in here outlives its insert.
  const inserts = resolve(dataDir, 'inserts');
  rmSync(inserts, { recursive: true, force: true });
  mkdirSync(inserts, { recursive: true });
  let nextInsert = 0;
  return {
    mode: 'embedded',
    client,
    describe: `embedded ClickHouse in ${path}`,
    async insertRows(table, columns, rows, format, skip) {
      if (format === 'JSONCompactEachRow') {
        if (skip) throw new Error('skipping stored rows needs Native blocks');
        await connection.chdb.rawInsert({ table, values: rows, format, columns: [...columns] });
        return;
      }
      const file = join(inserts, `${nextInsert++}.native`);
      await writeFile(file, rows);
      try {
        await client.command({
          query: `INSERT INTO ${table} (${columnList(columns)}) SELECT * FROM file({file:String}, Native)${skipClause(skip)} SETTINGS ${settingsList(embeddedInsertSettings)}`,
          query_params: { file, ...(skip ? { skip: skip.keys } : {}) },
        });
      } finally {
        await unlink(file);
      }
    },
    async ping() {
      return !closed;
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}

function sqlString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.username = '';
    return parsed.toString();
  } catch {
    return '<invalid URL>';
  }
}

function errorText(result: { success: boolean }): string {
  return 'error' in result && result.error instanceof Error ? result.error.message : 'no answer';
}
