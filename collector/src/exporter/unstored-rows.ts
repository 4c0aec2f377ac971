import { createHash } from 'node:crypto';
import type { RowFormat } from '../store/insert-format.ts';
import type { Store } from '../store/open.ts';
import type { Insert } from './insert.ts';
import { readColumns } from './native/read-columns.ts';
import { logColumns, rowValues, spanColumns } from './rows.ts';
import type { Table } from './writer.ts';

/**
 * How a logged batch's rows are told apart from rows ClickHouse already holds: a batch may have landed
 * before the process died and before its commit record was written. Spans are identified by
 * (TraceId, SpanId); log records, which have no id, by trace, span, time and body.
 */
const identity: Record<Table, { sql: string; of(row: Record<string, unknown>): string }> = {
  otel_traces: { sql: "concat(TraceId, ' ', SpanId)", of: (row) => `${String(row.TraceId)} ${String(row.SpanId)}` },
  otel_logs: {
    sql: "concat(TraceId, ' ', SpanId, ' ', toString(toUnixTimestamp64Nano(Timestamp)), ' ', lower(hex(MD5(Body))))",
    of: (row) => `${String(row.TraceId)} ${String(row.SpanId)} ${String(row.Timestamp)} ${createHash('md5').update(String(row.Body)).digest('hex')}`,
  },
};

const int64Max = 2n ** 63n - 1n;
const traceIdsPerCheck = 1000;

/**
 * Stores a logged batch that ClickHouse may partly hold already, leaving out the rows it has.
 * Resolves to how many rows were already there; rejects if ClickHouse did not take the rest.
 */
export async function insertUnstored(store: Store, insert: Insert, table: Table, format: RowFormat, body: Buffer): Promise<number> {
  const lines = format === 'JSONCompactEachRow' ? body.toString('utf8').split('\n') : [];
  const rows = format === 'JSONCompactEachRow' ? lines.map((line) => rowValues(table === 'otel_traces' ? spanColumns : logColumns, line)) : nativeRows(body);
  const keys = rows.map((row) => identity[table].of(row));
  const stored = await storedKeys(store, table, rows);
  const present = keys.filter((key) => stored.has(key));
  let landed: boolean;
  if (present.length === 0) landed = await insert(table, format, body, rows.length);
  else if (format === 'Native') landed = await insert(table, format, body, rows.length - present.length, { identity: identity[table].sql, keys: present });
  else {
    const fresh = lines.filter((_, i) => !stored.has(keys[i]!));
    landed = fresh.length === 0 || (await insert(table, format, Buffer.from(fresh.join('\n')), fresh.length));
  }
  if (!landed) throw new Error(`ClickHouse did not take ${rows.length - present.length} logged rows for ${table}`);
  return present.length;
}

function nativeRows(body: Buffer): Record<string, unknown>[] {
  const columns = readColumns(body, ['Timestamp', 'TraceId', 'SpanId', 'Body']);
  return columns.TraceId!.map((traceId, i) => ({ TraceId: traceId, SpanId: columns.SpanId![i], Timestamp: columns.Timestamp![i], Body: columns.Body![i] }));
}

/** The identities of the rows ClickHouse holds among those with the same trace ids and time range. */
async function storedKeys(store: Store, table: Table, rows: Record<string, unknown>[]): Promise<Set<string>> {
  let lo = int64Max;
  let hi = 0n;
  for (const row of rows) {
    const ns = BigInt(String(row.Timestamp ?? '0'));
    if (ns < lo) lo = ns;
    if (ns > hi) hi = ns;
  }
  if (hi > int64Max) hi = int64Max;
  const traceIds = [...new Set(rows.map((row) => String(row.TraceId)))];
  const stored = new Set<string>();
  for (let i = 0; i < traceIds.length; i += traceIdsPerCheck) {
    const result = await store.client.query({
      query: `SELECT ${identity[table].sql} AS k FROM ${table} WHERE TraceId IN {ids:Array(String)}
              AND Timestamp BETWEEN fromUnixTimestamp64Nano({lo:Int64}) AND fromUnixTimestamp64Nano({hi:Int64})`,
      query_params: { ids: traceIds.slice(i, i + traceIdsPerCheck), lo: lo.toString(), hi: hi.toString() },
      format: 'JSONEachRow',
    });
    for (const { k } of await result.json<{ k: string }>()) stored.add(k);
  }
  return stored;
}
