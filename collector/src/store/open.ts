import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { createChdbConnection, type ChdbConnection } from 'chdb/connection';

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
 * only inserts differ, because the embedded engine can take the serialised rows zero-copy.
 */
export interface Store {
  readonly mode: 'embedded' | 'server';
  readonly client: ClickHouseClient;
  readonly describe: string;
  /** Inserts newline-delimited JSON arrays (JSONCompactEachRow), one value per column in `columns`. */
  insertRows(table: string, columns: readonly string[], rows: Buffer): Promise<void>;
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
    async insertRows(table, columns, rows) {
      await client.exec({ query: `INSERT INTO ${table} (${columnList(columns)}) FORMAT JSONCompactEachRow`, values: Readable.from([rows]) });
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
  return {
    mode: 'embedded',
    client,
    describe: `embedded ClickHouse in ${path}`,
    async insertRows(table, columns, rows) {
      await connection.chdb.rawInsert({ table, values: rows, format: 'JSONCompactEachRow', columns: [...columns] });
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

function quoteColumn(column: string): string {
  return `\`${column}\``;
}

function columnList(columns: readonly string[]): string {
  return columns.map(quoteColumn).join(', ');
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
