import type { StoreOptions } from '../store/open.ts';
import type { SeamConfig } from './schema.ts';

/** Where the store lives: the ClickHouse server in CLICKHOUSE_URL, else the embedded engine in the data directory. */
export function storeOptions(config: SeamConfig): StoreOptions {
  return {
    url: config.clickhouse.url || undefined,
    username: config.clickhouse.user,
    password: config.clickhouse.password,
    database: config.clickhouse.database,
    dataDir: config.dataDir,
  };
}
