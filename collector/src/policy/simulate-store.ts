import type { Row } from '@clickhouse/client';
import type { Window } from '../api/params.ts';
import { scopeParams, type Scope } from '../api/queries/run.ts';
import { loadSql } from '../lib/sql-files.ts';
import type { Store } from '../store/open.ts';
import { dependsOnSubject } from './istio/subject-dependence.ts';
import { Simulation, type Proposal, type RecordedShape, type Sample, type SimulationResult } from './simulate.ts';

export interface StoredSimulation extends SimulationResult {
  window: { fromNs: string; toNs: string };
}

export interface StoredSimulationOptions {
  /** Read settled minutes from the policy rollup (default); false computes every minute from rows. */
  rollup?: boolean;
}

type StoredShape = RecordedShape & { shapeHash: string };

const minuteNs = 60_000_000_000n;
// Shapes whose points are fetched for listing, most frequent first, and how many points at most: enough
// to fill any limit, and a bound on the query that fetches them.
const maxSampledShapes = 2000;
const maxSampledPoints = 20_000;

/**
 * Runs a simulation over the decision points recorded in every minute the window touches (as the
 * decision counts do: a simulation answers per whole minute, and says which in its window). Minutes the
 * policy rollup holds and that are still right are read from it, one row per shape and minute; the rest
 * (minutes still receiving rows, the newest ones in a live store) are computed from rows, so the cost
 * follows the number of shapes plus the unsettled minutes, not the number of requests. A proposal whose
 * policies name single callers needs each request's subject, which the rollup does not keep: it reads
 * rows throughout. Memory holds the counts and at most `limit` listed points.
 */
export async function simulateStored(store: Store, asked: Window, proposal: Proposal, scope: Scope, limit: number, options: StoredSimulationOptions = {}): Promise<StoredSimulation> {
  const window = wholeMinutes(asked);
  const simulation = new Simulation(proposal, limit);
  const subjects = proposal.authz !== undefined && dependsOnSubject(proposal.authz, proposal.assertionIssuer);
  const sides = { edge: proposal.routes ? 1 : 0, mesh: proposal.authz ? 1 : 0, ...scopeParams(scope) };
  const minutes = options.rollup === false || subjects ? undefined : await minuteStates(store, window);
  const settled = minutes?.filter((m) => m.settled).map((m) => m.minute) ?? [];
  if (settled.length > 0) {
    const listers = new Map<string, { count: number; list: (samples: Sample[]) => void }>();
    await each<StoredShape>(store, 'policy/rollup_shapes.sql', { minutes: settled, ...sides }, (shape) => {
      const list = simulation.add(shape);
      if (list) listers.set(shape.shapeHash, { count: shape.count, list });
    });
    const sampled = [...listers].sort(([, a], [, b]) => b.count - a.count).slice(0, maxSampledShapes);
    if (sampled.length > 0) {
      // Each shape may fill the whole list (the others may all be undecidable), within the bound; five let each rule name sample traces.
      const perShape = Math.max(5, Math.min(limit, Math.floor(maxSampledPoints / sampled.length)));
      const params = { minutes: settled, shapes: sampled.map(([hash]) => hash), samples: perShape };
      await each<{ shapeHash: string; samples: Sample[] }>(store, 'policy/rollup_samples.sql', params, (row) => listers.get(row.shapeHash)?.list(row.samples));
    }
  }
  for (const stretch of minutes ? unsettledStretches(minutes) : [window]) {
    await each<StoredShape>(store, 'policy/requests.sql', { ...stretch, ...sides, subjects: subjects ? 1 : 0, samples: limit }, (shape) => simulation.add(shape));
  }
  return { window: { fromNs: window.fromNs, toNs: window.toNs }, ...simulation.result() };
}

/** The window widened to the start of its first minute and the end of its last. */
function wholeMinutes(window: Window): Window {
  const from = BigInt(window.fromNs);
  const to = BigInt(window.toNs);
  return { fromNs: (from - (from % minuteNs)).toString(), toNs: (to - (to % minuteNs) + minuteNs - 1n).toString() };
}

/** The window's minutes (Unix seconds) that hold rows, and whether the policy rollup holds them rightly. */
async function minuteStates(store: Store, window: Window): Promise<{ minute: number; settled: boolean }[]> {
  const minutes: { minute: number; settled: boolean }[] = [];
  await each<{ minute: number; settled: number }>(store, 'policy/minutes.sql', { ...window }, (row) => minutes.push({ minute: Number(row.minute), settled: row.settled === 1 }));
  return minutes;
}

/** Runs of consecutive unsettled minutes, as `_between` windows, oldest first. */
function unsettledStretches(minutes: { minute: number; settled: boolean }[]): Window[] {
  const stretches: Window[] = [];
  let run: { from: number; to: number } | undefined;
  for (const { minute, settled } of [...minutes, { minute: Infinity, settled: true }]) {
    if (!settled && run && minute === run.to + 60) run.to = minute;
    else {
      if (run) stretches.push({ fromNs: (BigInt(run.from) * 1_000_000_000n).toString(), toNs: ((BigInt(run.to) + 60n) * 1_000_000_000n - 1n).toString() });
      run = settled ? undefined : { from: minute, to: minute };
    }
  }
  return stretches;
}

/** Streams a query's rows, so memory holds one batch of them at a time. */
async function each<T>(store: Store, file: string, params: Record<string, unknown>, use: (row: T) => unknown): Promise<void> {
  const result = await store.client.query({ query: loadSql(file), query_params: params, format: 'JSONEachRow' });
  for await (const batch of result.stream<T>()) for (const row of batch as Row<T, 'JSONEachRow'>[]) use(row.json());
}
