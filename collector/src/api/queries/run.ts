import { loadSql } from '../../lib/sql-files.ts';
import type { Store } from '../../store/open.ts';

/**
 * The services a caller may see: namespaces (`default`) or full service names (`reviews.default`);
 * null means every service.
 */
export type Scope = readonly string[] | null;

/** Runs `queries/api/<file>` with bound parameters; values never enter the SQL text. */
export async function runSql<T>(store: Store, file: string, params: Record<string, unknown>): Promise<T[]> {
  const result = await store.client.query({ query: loadSql(`api/${file}`), query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}

export function scopeParams(scope: Scope): { scoped: number; scope: string[] } {
  return { scoped: scope ? 1 : 0, scope: scope ? [...scope] : [] };
}

/** Whether a service is inside the scope: by full name or by its namespace (the part after the last dot). */
export function inScope(scope: Scope, service: string): boolean {
  return !scope || scope.includes(service) || scope.includes(service.split('.').at(-1)!);
}
