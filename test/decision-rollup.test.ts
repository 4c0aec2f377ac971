import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollUpDecisionCounts } from '../collector/src/rollup/decision-counts.ts';
import { generateTraffic, type Batch } from './generator/traffic.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { waitFor } from './helpers/reliability.ts';
import { sendBatches } from './helpers/send.ts';

// The collector's own scheduler rolls up every second; whatever it has or has not counted yet, the
// counts view must equal counting the decision points themselves.
let collector: TestCollector;
let late: Batch[];
const startMs = Date.now() - 20 * 60_000;
const window = { fromNs: (BigInt(startMs - 10 * 60_000) * 1_000_000n).toString(), toNs: (BigInt(Date.now() + 30 * 60_000) * 1_000_000n).toString() };
const dimensions = 'Layer, ServiceName, Groups, Decision, Reason, Policy, Evidence, DryRunResult, DryRunPolicy';

beforeAll(async () => {
  collector = await startTestCollector({ SEAM_ROLLUP_INTERVAL_SECONDS: '1', SEAM_ROLLUP_GRACE_SECONDS: '1' });
  const traffic = generateTraffic({ requests: 3000, seed: 21, startMs });
  late = traffic.batches.filter((b) => b.late);
  await sendBatches(collector, traffic.batches.filter((b) => !b.late));
}, 120_000);
afterAll(async () => {
  await collector?.close();
});

const fromCounts = () =>
  collector.query<Record<string, unknown>>(
    `SELECT toString(Minute) AS minute, ${dimensions}, toString(sum(Points)) AS n
     FROM seam_decision_counts_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
     GROUP BY minute, ${dimensions} ORDER BY ALL`,
    window,
  );
const fromPoints = () =>
  collector.query<Record<string, unknown>>(
    `SELECT toString(toStartOfMinute(Timestamp)) AS minute, ${dimensions}, toString(count()) AS n
     FROM seam_decision_points_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
     WHERE Timestamp >= toStartOfMinute(fromUnixTimestamp64Nano({fromNs:Int64})) AND Timestamp < toStartOfMinute(fromUnixTimestamp64Nano({toNs:Int64})) + INTERVAL 1 MINUTE
     GROUP BY minute, ${dimensions} ORDER BY ALL`,
    window,
  );
const minutes = async () => {
  const [row] = await collector.query<{ total: string; settled: string }>(
    `SELECT count() AS total, countIf(settled) AS settled
     FROM (SELECT Minute, max(SettledBefore) > max(LastInsert) AS settled FROM seam_decision_minutes GROUP BY Minute)`,
  );
  return { total: Number(row!.total), settled: Number(row!.settled) };
};
const untilAllSettled = () =>
  waitFor(async () => {
    const { total, settled } = await minutes();
    return total > 0 && settled === total;
  }, 'every decision minute to be settled', 30_000);

describe('decision counts per minute', () => {
  it('equal the decision points counted directly, before the rollup has run and after it covers every minute', async () => {
    const direct = await fromPoints();
    expect(direct.length).toBeGreaterThan(20);
    expect(await fromCounts()).toEqual(direct);
    await untilAllSettled();
    expect(collector.metrics.value('seam_rollup_minutes_total', { rollup: 'decisions' })).toBeGreaterThan(0);
    expect(await fromCounts()).toEqual(await fromPoints());
    // The rollup itself holds them: the newest generation of every minute sums to all the points.
    const [rolled] = await collector.query<{ n: string }>(
      `SELECT toString(sum(Points)) AS n FROM seam_decision_rollup
       WHERE (Minute, Generation) IN (SELECT Minute, max(Generation) FROM seam_decision_minutes GROUP BY Minute)
         AND Minute BETWEEN toStartOfMinute(fromUnixTimestamp64Nano({fromNs:Int64})) AND fromUnixTimestamp64Nano({toNs:Int64})`,
      window,
    );
    expect(rolled!.n).toBe(String(direct.reduce((sum, row) => sum + Number(row.n), 0)));
  }, 60_000);

  it('stay right when late access logs and forwarded spans change decisions in minutes already counted', async () => {
    const before = await fromPoints();
    await sendBatches(collector, late);
    const after = await fromPoints();
    expect(after).not.toEqual(before);
    // Right at once (the touched minutes are read from rows), while the scheduler and a second,
    // concurrent run (another replica) recount them.
    expect(await fromCounts()).toEqual(after);
    await Promise.all([rollUpDecisionCounts(collector.store, { graceSeconds: 0 }), untilAllSettled()]);
    expect(await fromCounts()).toEqual(after);
  }, 60_000);
});
