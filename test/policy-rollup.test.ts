import { readFileSync } from 'node:fs';
import { parseRoutePolicy } from '@seam/worker-exporter/rules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthorizationPolicies } from '../collector/src/policy/istio/authorization.ts';
import type { Proposal } from '../collector/src/policy/simulate.ts';
import { simulateStored, type StoredSimulation } from '../collector/src/policy/simulate-store.ts';
import { generateTraffic, type Batch } from './generator/traffic.ts';
import { startTestCollector, type TestCollector } from './helpers/collector.ts';
import { waitFor } from './helpers/reliability.ts';
import { sendBatches } from './helpers/send.ts';

// The collector's scheduler rolls policy shapes up every second; whatever it has stored, a simulation
// must count exactly what simulating every request from rows counts, and list only flips that are real.
const issuer = 'https://edge.example.com';
const authzInForce = readFileSync(new URL('./fixtures/policy/authz-in-force.yaml', import.meta.url), 'utf8');
const startMs = Date.now() - 30 * 60_000;
// Boundaries inside minutes that hold traffic: a simulation covers every minute the window touches.
const window = { fromNs: (BigInt(startMs + 30_500) * 1_000_000n).toString(), toNs: (BigInt(startMs + 230_250) * 1_000_000n).toString() };
const ns = (ms: number) => (BigInt(ms) * 1_000_000n).toString();

const proposals: Record<string, Proposal> = {
  'routes and AuthorizationPolicies': {
    routes: parseRoutePolicy({ schema: 'seam.route-policy/v1', name: 'shop', default: 'deny', rules: [{ id: 'read', methods: ['GET'], pathPrefix: '/api/', groups: ['eng'] }] }),
    authz: parseAuthorizationPolicies(authzInForce),
    assertionIssuer: issuer,
  },
  // Names callers by their subject, which the rollup does not keep: read from rows throughout.
  'a policy naming callers': {
    authz: parseAuthorizationPolicies(
      `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: block-some, namespace: default }\nspec:\n  action: DENY\n  rules:\n  - from: [{ source: { requestPrincipals: ["${issuer}/auth0|user-1*"] } }]\n`,
    ),
    assertionIssuer: issuer,
  },
};

let collector: TestCollector;
let late: Batch[];

beforeAll(async () => {
  collector = await startTestCollector({ SEAM_ROLLUP_INTERVAL_SECONDS: '1', SEAM_ROLLUP_GRACE_SECONDS: '1' });
  const traffic = generateTraffic({ requests: 6000, seed: 51, startMs });
  late = traffic.batches.filter((b) => b.late);
  await sendBatches(collector, traffic.batches.filter((b) => !b.late));
}, 120_000);
afterAll(async () => {
  await collector?.close();
});

/** What must not depend on where the shapes were read: every count, by rule, group and reason. */
const counts = (result: StoredSimulation) => ({
  evaluated: result.evaluated,
  untouched: result.untouched,
  flipCount: result.flipCount,
  undecidableCount: result.undecidableCount,
  byRule: result.byRule.map(({ layer, rule, from, to, count }) => `${layer} ${rule} ${from}→${to} ${count}`).sort(),
  byGroup: result.byGroup,
  undecidableByReason: result.undecidableByReason,
});
const flips = (result: StoredSimulation) => result.flips.map((f) => `${f.traceId}|${f.spanId}|${f.layer}|${f.rule}|${f.from}→${f.to}`);

const allSettled = async () => {
  const states = await collector.query<{ settled: number }>('SELECT Settled AS settled FROM seam_policy_minute_states_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})', window);
  return states.length >= 3 && states.every((state) => state.settled);
};

async function expectSameAsRows(): Promise<void> {
  await collector.writer.caughtUp();
  for (const [name, proposal] of Object.entries(proposals)) {
    const fromRows = await simulateStored(collector.store, window, proposal, null, 1000, { rollup: false });
    const fromRollup = await simulateStored(collector.store, window, proposal, null, 1000);
    expect(fromRows.flipCount, name).toBeGreaterThan(20);
    expect(counts(fromRollup), name).toEqual(counts(fromRows));
    expect(fromRollup.window).toEqual({ fromNs: ns(Math.floor((startMs + 30_500) / 60_000) * 60_000), toNs: (BigInt(Math.ceil((startMs + 230_250) / 60_000) * 60_000) * 1_000_000n - 1n).toString() });
    expect(fromRollup.flips.length, name).toBeGreaterThan(0);
    const real = new Set(flips(fromRows));
    expect(flips(fromRollup).filter((flip) => !real.has(flip)), name).toEqual([]);
  }
}

describe('policy simulation over rolled-up minutes', () => {
  it('counts what simulating every request from rows counts, once the rollup covers the window', async () => {
    await waitFor(allSettled, 'every minute of the window to be rolled up', 30_000);
    expect(collector.metrics.value('seam_rollup_minutes_total', { rollup: 'policy' })).toBeGreaterThan(0);
    await expectSameAsRows();
  }, 60_000);

  it('stays right when late spans change minutes already rolled up', async () => {
    await sendBatches(collector, late);
    // At once, with the touched minutes read from rows, and again once the scheduler has stored them anew.
    await expectSameAsRows();
    expect(await allSettled()).toBe(false);
    await waitFor(allSettled, 'the touched minutes to be rolled up again', 30_000);
    await expectSameAsRows();
  }, 90_000);

  it('reads settled minutes from the rollup, not from rows', async () => {
    const proposal = proposals['routes and AuthorizationPolicies']!;
    const before = await simulateStored(collector.store, window, proposal, null, 10);
    // A minute the rollup says is settled is read from it alone: emptied, only the rest are counted.
    const minute = Math.floor(startMs / 60_000) * 60 + 120;
    await collector.store.client.command({ query: 'ALTER TABLE seam_policy_rollup DELETE WHERE Minute = toDateTime({minute:UInt32}) SETTINGS mutations_sync = 1', query_params: { minute } });
    const after = await simulateStored(collector.store, window, proposal, null, 10);
    const alone = await simulateStored(collector.store, { fromNs: ns(minute * 1000), toNs: ns(minute * 1000 + 59_999) }, proposal, null, 10, { rollup: false });
    expect(alone.evaluated).toBeGreaterThan(0);
    expect(after.evaluated + after.untouched).toBe(before.evaluated + before.untouched - alone.evaluated - alone.untouched);
  }, 60_000);
});
