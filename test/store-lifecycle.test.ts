import { describe, expect, it } from 'vitest';
import { migrate, renderMigrations, renderRepeatables } from '../collector/src/store/migrate.ts';
import { postJson, startTestCollector } from './helpers/collector.ts';
import { scenarioBodies, scenarios } from './helpers/fixtures.ts';

describe('the store across restarts and migrations', () => {
  it('keeps all data when the collector restarts on the same data directory, and migrating again is a no-op', async () => {
    const first = await startTestCollector();
    for (const body of scenarioBodies('zipkin', 'allowed_200')) expect((await postJson(first.url('zipkin', '/api/v2/spans'), body)).status).toBe(202);
    await first.close();

    const second = await startTestCollector({}, first.dataDir);
    try {
      const rows = await second.query<{ n: string }>('SELECT count() AS n FROM otel_traces WHERE TraceId = {t:String}', { t: scenarios.allowed_200!.trace_id });
      expect(Number(rows[0]!.n)).toBe(5);
      expect(second.log.filter((line) => line.startsWith('migrate ['))).toEqual([]);
      const again = await migrate(second.store, { retentionDays: 30 });
      expect(again.applied).toEqual([]);
      expect(again.skipped).toHaveLength(renderMigrations({ retentionDays: 30 }).length);
      const ready = await fetch(second.url('api', '/readyz'));
      expect(ready.status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('renders the schema for a cluster, and every statement parses in the engine', async () => {
    const collector = await startTestCollector();
    try {
      const target = { cluster: 'seam_cluster', retentionDays: 30 };
      const statements = [...renderMigrations(target).flatMap((m) => m.statements), ...renderRepeatables(target).flatMap((r) => r.statements)];
      expect(statements.some((s) => /ENGINE = ReplicatedMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/otel_traces_local', '\{replica\}'\)/.test(s))).toBe(true);
      expect(statements.some((s) => /CREATE TABLE IF NOT EXISTS otel_traces ON CLUSTER "seam_cluster" AS otel_traces_local\nENGINE = Distributed\('seam_cluster', currentDatabase\(\), 'otel_traces_local', cityHash64\(TraceId\)\)/.test(s))).toBe(true);
      // Join keys are sharded by key so that both sides of a ray id or request id meet on one shard.
      expect(statements.some((s) => /Distributed\('seam_cluster', currentDatabase\(\), 'seam_join_keys_local', cityHash64\(Key\)\)/.test(s))).toBe(true);
      for (const statement of statements) {
        // DDL runs on every node; a backfill INSERT runs once, through the Distributed tables.
        if (statement.startsWith('INSERT')) expect(statement).not.toMatch(/_local\b/);
        else expect(statement).toMatch(/ON CLUSTER "seam_cluster"/);
        const rows = await collector.query<{ formatted: string }>('SELECT formatQuery({q:String}) AS formatted', { q: statement });
        expect(rows[0]!.formatted.length).toBeGreaterThan(0);
      }
    } finally {
      await collector.close();
    }
  });
});
