import type { Store } from '../../store/open.ts';
import { windowParams, type Window } from '../params.ts';
import { runSql, scopeParams, type Scope } from './run.ts';

export const countDimensions = ['layer', 'service', 'group', 'decision', 'reason', 'policy', 'evidence', 'dryRunResult'] as const;
export type CountDimension = (typeof countDimensions)[number];

export interface CountRequest {
  by: CountDimension[];
  /** Bucket width in seconds, a whole number of minutes; 0 counts the whole window as one bucket. */
  stepSeconds: number;
  filter: { layer?: string | undefined; decision?: string | undefined; service?: string | undefined };
}

export interface CountRecord extends Partial<Record<CountDimension, string>> {
  timestamp: string;
  points: number;
}

type CountRow = Record<CountDimension, string> & { bucket: string; points: string };

const maxRows = 10_000;

/** Decision points per bucket and dimension; `truncated` when more combinations exist than one answer holds. */
export async function countDecisions(store: Store, window: Window, request: CountRequest, scope: Scope): Promise<{ counts: CountRecord[]; truncated: boolean }> {
  const rows = await runSql<CountRow>(store, 'decision_counts.sql', {
    ...windowParams(window),
    ...scopeParams(scope),
    stepSeconds: request.stepSeconds,
    by: request.by,
    layer: request.filter.layer ?? '',
    decision: request.filter.decision ?? '',
    service: request.filter.service ?? '',
    limit: maxRows + 1,
  });
  const counts = rows.slice(0, maxRows).map((row) => {
    const record: CountRecord = { timestamp: new Date(Number(row.bucket) * 1000).toISOString(), points: Number(row.points) };
    for (const dimension of request.by) record[dimension] = row[dimension];
    return record;
  });
  return { counts, truncated: rows.length > maxRows };
}
