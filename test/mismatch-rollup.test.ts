import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMismatches } from '../collector/src/api/queries/mismatches.ts';
import type { MismatchRecord } from '../collector/src/api/shapes.ts';
import { decodeCursor, formatNs, type Cursor } from '../collector/src/api/params.ts';
import { rollUpMismatches } from '../collector/src/rollup/mismatches.ts';
import { generateTraffic, type Batch } from './generator/traffic.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { waitFor } from './helpers/reliability.ts';
import { sendBatches } from './helpers/send.ts';

// The collector's own scheduler rolls up every second; whatever it has or has not stored yet, the
// API's mismatch list must equal correlating the whole window from rows.
let collector: TestCollector;
let late: Batch[];
const startMs = Date.now() - 20 * 60_000;
const window = { fromNs: (BigInt(startMs - 10 * 60_000) * 1_000_000n).toString(), toNs: (BigInt(Date.now() + 30 * 60_000) * 1_000_000n).toString() };
const fields = 'kind, traceId, meshTraceId, subject, edgeDecision, edgeReason, meshDecision, meshReason, meshPolicy, edgeService, meshService, keyId, meshEvidence, meshSpanId, meshEntryService';

beforeAll(async () => {
  collector = await startTestCollector({ SEAM_ROLLUP_INTERVAL_SECONDS: '1', SEAM_ROLLUP_GRACE_SECONDS: '1' });
  const traffic = generateTraffic({ requests: 3000, seed: 34, startMs });
  late = traffic.batches.filter((b) => b.late);
  await sendBatches(collector, traffic.batches.filter((b) => !b.late));
}, 120_000);
afterAll(async () => {
  await collector?.close();
});

const line = (row: Record<string, unknown>) => fields.split(', ').map((field) => String(row[field])).join('|');

/** Every mismatch of the window, correlated from rows in one query, in the API's order. */
async function fromRows(): Promise<string[]> {
  const rows = await collector.query<Record<string, unknown>>(
    `SELECT toString(toUnixTimestamp64Nano(ts)) AS timeNs, ${fields}
     FROM seam_mismatch_records_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
     WHERE ts BETWEEN fromUnixTimestamp64Nano({fromNs:Int64}) AND fromUnixTimestamp64Nano({toNs:Int64})
     ORDER BY ts DESC, traceId DESC, concat(kind, ':', meshTraceId) DESC`,
    window,
  );
  return rows.map((row) => `${formatNs(String(row.timeNs))}|${line(row)}`);
}

/** A mismatch as the API returns it, in the row's flat names. */
const flatten = (m: MismatchRecord) => ({
  ...m,
  edgeDecision: m.edge?.decision ?? '',
  edgeReason: m.edge?.reason ?? '',
  edgeService: m.edge?.service ?? '',
  meshDecision: m.mesh?.decision ?? '',
  meshReason: m.mesh?.reason ?? '',
  meshPolicy: m.mesh?.policy ?? '',
  meshService: m.mesh?.service ?? '',
  meshEvidence: m.mesh?.evidence ?? '',
  meshSpanId: m.mesh?.spanId ?? '',
  meshEntryService: m.meshEntry?.service ?? '',
});

/** Every mismatch of the window, paged through the API's list. */
async function fromApi(limit = 40): Promise<string[]> {
  const out: string[] = [];
  let after: Cursor | null = null;
  do {
    const page = await listMismatches(collector.store, window, {}, { limit, after }, null);
    out.push(...page.mismatches.map((m) => `${m.timestamp}|${line(flatten(m))}`));
    after = page.nextCursor === null ? null : decodeCursor(page.nextCursor);
  } while (after !== null);
  return out;
}

const minuteStates = () =>
  collector.query<{ minute: string; settled: number }>(
    'SELECT toString(Minute) AS minute, Settled AS settled FROM seam_mismatch_minute_states_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}) ORDER BY Minute',
    window,
  );
const untilAllSettled = () =>
  waitFor(async () => {
    const states = await minuteStates();
    return states.length > 0 && states.every((s) => s.settled);
  }, 'every mismatch minute of the window to be settled', 30_000);

/** The stored generation of every settled minute, in the API's names. */
const stored = async () =>
  (
    await collector.query<Record<string, unknown>>(
      `SELECT Kind AS kind, TraceId AS traceId, MeshTraceId AS meshTraceId, Subject AS subject, EdgeDecision AS edgeDecision,
              EdgeReason AS edgeReason, MeshDecision AS meshDecision, MeshReason AS meshReason, MeshPolicy AS meshPolicy,
              EdgeService AS edgeService, MeshService AS meshService, KeyId AS keyId, MeshEvidence AS meshEvidence,
              MeshSpanId AS meshSpanId, MeshEntryService AS meshEntryService
       FROM seam_mismatch_rollup
       WHERE (Minute, Generation) IN (SELECT Minute, Generation FROM seam_mismatch_minute_states_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}) WHERE Settled)`,
      window,
    )
  )
    .map(line)
    .sort();

describe('mismatches per minute', () => {
  it('list the same mismatches as correlating from rows, before the rollup has run and once it covers every minute', async () => {
    const direct = await fromRows();
    expect(new Set(direct.map((row) => row.split('|')[1])).size).toBe(6);
    expect(await fromApi()).toEqual(direct);
    await untilAllSettled();
    expect(collector.metrics.value('seam_rollup_minutes_total', { rollup: 'mismatches' })).toBeGreaterThan(0);
    expect(await fromApi()).toEqual(direct);
    // The rollup itself holds them, all but stale_key, which is always correlated from rows.
    const withoutStaleKey = direct.map((row) => row.slice(row.indexOf('|') + 1)).filter((row) => !row.startsWith('stale_key|'));
    expect(await stored()).toEqual(withoutStaleKey.sort());
  }, 60_000);

  it('stay right when late spans and access logs change mismatches in minutes already stored', async () => {
    const before = await fromRows();
    await sendBatches(collector, late);
    const after = await fromRows();
    expect(after).not.toEqual(before);
    // Right at once (touched minutes and their neighbours are correlated from rows), while the scheduler
    // and a second, concurrent run (another replica) store them again.
    expect(await fromApi()).toEqual(after);
    await Promise.all([rollUpMismatches(collector.store, { graceSeconds: 0 }), untilAllSettled()]);
    expect(await fromApi()).toEqual(after);
  }, 60_000);

  it('take a minute out of the rollup when a row arrives anywhere within the near margin of it', async () => {
    // Thirty settled minutes two days back, away from the traffic, then one row timed at minute 14.
    const first = Math.floor(startMs / 60_000 - 2 * 24 * 60) * 60;
    await collector.store.client.command({
      query: `INSERT INTO seam_mismatch_minutes (Minute, LastInsert, Generation, SettledBefore)
              SELECT toDateTime({first:UInt32} + 60 * number), now() - 100, 1, now() - 50 FROM numbers(30)`,
      query_params: { first },
    });
    const settledAt = async () => {
      const rows = await collector.query<{ offset: number; settled: number }>(
        `SELECT intDiv(toUnixTimestamp(Minute) - {first:UInt32}, 60) AS offset, Settled AS settled
         FROM seam_mismatch_minute_states_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}) ORDER BY Minute`,
        { first, fromNs: (BigInt(first) * 1_000_000_000n).toString(), toNs: (BigInt(first + 29 * 60) * 1_000_000_000n).toString() },
      );
      return rows.filter((row) => !row.settled).map((row) => row.offset);
    };
    expect(await settledAt()).toEqual([]);
    await collector.store.client.command({
      query: 'INSERT INTO seam_mismatch_minutes (Minute, LastInsert) VALUES (toDateTime({first:UInt32} + 14 * 60), now() + 60)',
      query_params: { first },
    });
    // The margin is five minutes plus the identity window, six whole minutes either side.
    expect(await settledAt()).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });
});
