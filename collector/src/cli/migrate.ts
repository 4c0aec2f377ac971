import { loadConfig } from '../config/load.ts';
import { schemaTarget } from '../config/schema-target.ts';
import { migrate, renderMigrations, renderRepeatables } from '../store/migrate.ts';
import { openStore } from '../store/open.ts';
import { stringOption, type ParsedArgs } from './args.ts';
import { storeOptions } from '../config/store-options.ts';

/**
 * `seam migrate [--cluster NAME] [--print]`: applies the schema (the same migrations `seam start` runs),
 * or prints it rendered for a single server or for a cluster (`ON CLUSTER`, Replicated*, Distributed).
 */
export async function migrateCommand(args: ParsedArgs): Promise<void> {
  const config = loadConfig(process.env, stringOption(args, 'config'));
  const cluster = stringOption(args, 'cluster') ?? (config.clickhouse.cluster || undefined);
  const target = { ...schemaTarget(config), cluster };
  if (args.options.get('print') === true) {
    for (const migration of renderMigrations(target)) {
      console.log(`-- ${migration.version} ${migration.name}`);
      for (const statement of migration.statements) console.log(`${statement};\n`);
    }
    for (const repeatable of renderRepeatables(target)) {
      console.log(`-- ${repeatable.name} (re-created on every run)`);
      for (const statement of repeatable.statements) console.log(`${statement};\n`);
    }
    return;
  }
  const store = await openStore(storeOptions(config));
  try {
    const result = await migrate(store, target, (line) => console.log(line));
    console.log(`${store.describe}: ${result.applied.length} applied, ${result.skipped.length} already applied`);
  } finally {
    await store.close();
  }
}
