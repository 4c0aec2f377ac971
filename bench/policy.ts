import { readFileSync } from 'node:fs';
import { parseRoutePolicy } from '@seam/worker-exporter/rules';
import { parseAuthorizationPolicies } from '../collector/src/policy/istio/authorization.ts';
import { simulateStored } from '../collector/src/policy/simulate-store.ts';
import type { Store } from '../collector/src/store/open.ts';
import type { Row } from './run.ts';

type Record_ = (row: Omit<Row, 'ratio'>) => void;

/**
 * Issue 17's figure: a simulation of the last 24 h of the query data set, route policy and
 * AuthorizationPolicies together, as `POST /api/v1/policy/simulate` runs it (settled minutes from the
 * policy rollup, any others from rows), against the same simulation from rows; and what a live store's
 * newest minutes, never settled, add to it.
 */
export async function policyBenchmarks(store: Store, repeats: number, record: Record_, progress: (text: string) => void): Promise<void> {
  const { n } = (await (await store.client.query({ query: 'SELECT count() AS n FROM otel_traces', format: 'JSONEachRow' })).json<{ n: string }>())[0]!;
  const proposal = {
    routes: parseRoutePolicy({ schema: 'seam.route-policy/v1', name: 'shop', default: 'deny', rules: [{ id: 'read', methods: ['GET'], pathPrefix: '/api/', groups: ['eng', 'reviewers'] }] }),
    authz: parseAuthorizationPolicies(readFileSync(new URL('../test/fixtures/policy/authz-in-force.yaml', import.meta.url), 'utf8')),
    assertionIssuer: 'https://edge.example.com',
  };
  const now = BigInt(Date.now()) * 1_000_000n;
  const window = { fromNs: (now - 24n * 3600n * 1_000_000_000n).toString(), toNs: now.toString() };
  const timed = async (rollup: boolean) => {
    const started = performance.now();
    const result = await simulateStored(store, window, proposal, null, 100, { rollup });
    return { ms: performance.now() - started, evaluated: result.evaluated, flips: result.flipCount };
  };
  progress('policy: 24 h simulation from rows (reference)');
  const fromRows = await timed(false);
  const times: number[] = [];
  for (let i = 0; i <= repeats; i++) {
    progress(`policy: 24 h simulation ${i + 1}/${repeats + 1}`);
    const run = await timed(true);
    if (run.evaluated !== fromRows.evaluated || run.flips !== fromRows.flips) {
      throw new Error(`the policy simulation read from the rollup counts ${run.evaluated} points and ${run.flips} flips, from rows ${fromRows.evaluated} and ${fromRows.flips}`);
    }
    // The first run warms the engine's caches, as for the other queries.
    if (i > 0) times.push(run.ms);
  }
  const median = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  // A live store's newest minutes are still receiving spans, never settled: computed from rows.
  const newest = BigInt(
    (await (await store.client.query({ query: 'SELECT toString(toUnixTimestamp64Nano(max(Timestamp))) AS last FROM otel_traces', format: 'JSONEachRow' })).json<{ last: string }>())[0]!.last,
  );
  progress('policy: newest 10 minutes from rows');
  const started = performance.now();
  await simulateStored(store, { fromNs: (newest - 600n * 1_000_000_000n).toString(), toNs: newest.toString() }, proposal, null, 100, { rollup: false });
  const newestMs = performance.now() - started;
  record({
    id: 'policy.simulate_24h',
    section: `3 queries (${Number(n).toLocaleString('en-US')} spans)`,
    metric: `policy simulation, last 24 h, routes + AuthorizationPolicies (${fromRows.evaluated.toLocaleString('en-US')} decision points, ${fromRows.flips.toLocaleString('en-US')} flips; median of ${repeats})`,
    value: median,
    unit: 'ms',
    reference: 'the same simulation computed from rows (no rollup)',
    referenceValue: fromRows.ms,
    goal: '≤2000 ms at 10 M spans',
  });
  record({
    section: `3 queries (${Number(n).toLocaleString('en-US')} spans)`,
    metric: 'policy simulation: the newest 10 minutes computed from rows (what a live store adds to the row above: its unsettled minutes)',
    value: newestMs,
    unit: 'ms',
    reference: 'policy.simulate_24h',
    referenceValue: median,
  });
}
