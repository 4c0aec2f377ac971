import { loadSql } from '../lib/sql-files.ts';
import type { Store } from '../store/open.ts';

export interface MinuteRollupOptions {
  /**
   * How long a minute must have received no row before it is rolled up. An insert that began before
   * this and is still being written would otherwise be missed (it is not lost: the minute is computed
   * again, but readers would trust the incomplete result until then).
   */
  graceSeconds: number;
  /** Most minutes rolled up in one run; the rest wait for the next. */
  maxMinutes?: number;
  onProgress?: (minutesDone: number, minutesDue: number) => void;
  /** Stops between two stretches of minutes (at shutdown); what is rolled up so far stays. */
  signal?: AbortSignal;
}

const minutesPerQuery = 60;

/** The three statements of one per-minute rollup, as files under `queries/`. */
export interface MinuteRollup {
  /** Minutes due: `{settledBefore}`, `{limit}` → rows of `minute` (Unix seconds), oldest first. */
  due: string;
  /** Writes one generation for `{minutes}` from the rows in [`{fromNs}`, `{toNs}`]. */
  compute: string;
  /** Marks `{minutes}` as covered by `{generation}` for rows that arrived before `{settledBefore}`. */
  settle: string;
}

/**
 * Rolls up every minute that is quiet and not yet covered, then marks those minutes settled.
 * Idempotent and safe to run from several replicas at once: each run writes a new generation and
 * readers use the newest settled one.
 */
export async function rollUpMinutes(store: Store, rollup: MinuteRollup, options: MinuteRollupOptions): Promise<{ minutes: number }> {
  const [clock] = await rows<{ settledBefore: number; generation: string }>(
    store,
    'SELECT toUnixTimestamp(now()) - {grace:UInt32} AS settledBefore, toString(toUnixTimestamp64Nano(now64(9))) AS generation',
    { grace: options.graceSeconds },
  );
  const { settledBefore } = clock!;
  const due = (await rows<{ minute: number }>(store, loadSql(rollup.due), { settledBefore, limit: options.maxMinutes ?? 100_000 })).map((row) => Number(row.minute));
  let generation = BigInt(clock!.generation);
  let done = 0;
  for (const minutes of spans(due)) {
    if (options.signal?.aborted) break;
    const params = {
      minutes,
      generation: (generation++).toString(),
      settledBefore,
      fromNs: (BigInt(minutes[0]!) * 1_000_000_000n).toString(),
      toNs: ((BigInt(minutes.at(-1)!) + 60n) * 1_000_000_000n - 1n).toString(),
    };
    await store.client.command({ query: loadSql(rollup.compute), query_params: params });
    await store.client.command({ query: loadSql(rollup.settle), query_params: params });
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
