import { loadSql } from '../lib/sql-files.ts';
import type { Store } from '../store/open.ts';

export interface DecisionRollupOptions {
  /**
   * How long a minute must have received no decision row before it is counted. An insert that began
   * before this and is still being written would otherwise be missed by the count (it is not lost:
   * the minute is recounted, but readers would trust the incomplete count until then).
   */
  graceSeconds: number;
  /** Most minutes counted in one run; the rest wait for the next. */
  maxMinutes?: number;
  onProgress?: (minutesDone: number, minutesDue: number) => void;
  /** Stops between two stretches of minutes (at shutdown); what is counted so far stays counted. */
  signal?: AbortSignal;
}

const minutesPerQuery = 60;

/**
 * Counts decision points per minute into `seam_decision_rollup` for every minute that is quiet and not
 * yet covered, then marks those minutes settled. Idempotent and safe to run from several replicas at
 * once: each run writes a new generation and readers use the newest complete one.
 */
export async function rollUpDecisionCounts(store: Store, options: DecisionRollupOptions): Promise<{ minutes: number }> {
  const [clock] = await rows<{ settledBefore: number; generation: string }>(
    store,
    'SELECT toUnixTimestamp(now()) - {grace:UInt32} AS settledBefore, toString(toUnixTimestamp64Nano(now64(9))) AS generation',
    { grace: options.graceSeconds },
  );
  const { settledBefore } = clock!;
  const due = (await rows<{ minute: number }>(store, loadSql('rollup/decision_minutes_due.sql'), { settledBefore, limit: options.maxMinutes ?? 100_000 })).map((row) => Number(row.minute));
  let generation = BigInt(clock!.generation);
  let done = 0;
  for (const minutes of spans(due)) {
    if (options.signal?.aborted) break;
    const params = {
      minutes,
      generation: (generation++).toString(),
      settledBefore,
      fromNs: (BigInt(minutes[0]!) * 1_000_000_000n).toString(),
      toNs: (BigInt(minutes.at(-1)!) * 1_000_000_000n).toString(),
    };
    await store.client.command({ query: loadSql('rollup/decision_counts.sql'), query_params: params });
    await store.client.command({ query: loadSql('rollup/decision_minutes_settle.sql'), query_params: params });
    done += minutes.length;
    options.onProgress?.(done, due.length);
  }
  return { minutes: done };
}

/** Sorted minutes cut into runs no longer than an hour, so each query reads one short stretch of rows. */
function spans(minutes: number[]): number[][] {
  const out: number[][] = [];
  for (const minute of minutes) {
    const current = out.at(-1);
    if (current && minute - current[0]! < minutesPerQuery * 60) current.push(minute);
    else out.push([minute]);
  }
  return out;
}

async function rows<T>(store: Store, query: string, params: Record<string, unknown>): Promise<T[]> {
  return (await store.client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
}
