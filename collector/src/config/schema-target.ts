import type { SchemaTarget } from '../store/render-schema.ts';
import type { SeamConfig } from './schema.ts';

/** The settings the schema templates are rendered with. */
export function schemaTarget(config: SeamConfig): SchemaTarget {
  return {
    cluster: config.clickhouse.cluster || undefined,
    retentionDays: config.retentionDays,
    identityWindowMs: config.correlation.identityWindowMs,
    keyRotationHours: config.correlation.keyRotationHours,
  };
}
