import type { Row } from '@clickhouse/client';
import type { Window } from '../api/params.ts';
import { scopeParams, type Scope } from '../api/queries/run.ts';
import { loadSql } from '../lib/sql-files.ts';
import type { Store } from '../store/open.ts';
import { Simulation, type Proposal, type RecordedShape, type SimulationResult } from './simulate.ts';

export interface StoredSimulation extends SimulationResult {
  window: { fromNs: string; toNs: string };
}

/**
 * Runs a simulation over the decision points recorded in the window: ClickHouse groups them by shape,
 * and the shapes are streamed, so memory holds the counts and at most `limit` listed points.
 */
export async function simulateStored(store: Store, window: Window, proposal: Proposal, scope: Scope, limit: number): Promise<StoredSimulation> {
  const simulation = new Simulation(proposal, limit);
  const result = await store.client.query({
    query: loadSql('policy/requests.sql'),
    query_params: { fromNs: window.fromNs, toNs: window.toNs, edge: proposal.routes ? 1 : 0, mesh: proposal.authz ? 1 : 0, samples: limit, ...scopeParams(scope) },
    format: 'JSONEachRow',
  });
  for await (const rows of result.stream<RecordedShape>()) {
    for (const row of rows as Row<RecordedShape, 'JSONEachRow'>[]) simulation.add(row.json());
  }
  return { window: { fromNs: window.fromNs, toNs: window.toNs }, ...simulation.result() };
}
