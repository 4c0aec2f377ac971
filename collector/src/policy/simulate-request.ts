import { InvalidDocumentError, parseRoutePolicy } from '@seam/worker-exporter/rules';
import { ApiError } from '../api/errors.ts';
import { formatNs, parseWindow, type Window } from '../api/params.ts';
import { InvalidPolicyError, parseAuthorizationPolicies } from './istio/authorization.ts';
import type { Proposal } from './simulate.ts';
import type { StoredSimulation } from './simulate-store.ts';

/** The body of `POST /api/v1/policy/simulate`, which `seam policy simulate` sends or runs locally. */
export interface SimulationRequest {
  from?: string | undefined;
  to?: string | undefined;
  /** The proposed route policy (the Worker's `seam.route-policy/v1` document). */
  routes?: unknown;
  /** The proposed AuthorizationPolicies, as multi-document YAML (or JSON). */
  authz?: string | undefined;
  rootNamespace?: string | undefined;
  assertionIssuer?: string | undefined;
  workloads?: Record<string, Record<string, string>> | undefined;
  limit?: number | undefined;
}

/** The longest window one simulation reads: its cost follows the window. */
export const maxWindowDays = 7;
const dayNs = 86_400_000_000_000n;

export function parseSimulationRequest(body: SimulationRequest): { window: Window; proposal: Proposal; limit: number } {
  if (body.routes === undefined && body.authz === undefined) {
    throw new ApiError(400, 'invalid_request', 'give a proposed route policy (routes), AuthorizationPolicies (authz) or both; there is nothing to simulate');
  }
  const window = parseWindow({ from: body.from, to: body.to });
  if (BigInt(window.toNs) - BigInt(window.fromNs) > BigInt(maxWindowDays) * dayNs) {
    throw new ApiError(400, 'invalid_request', `the window from ${formatNs(window.fromNs)} to ${formatNs(window.toNs)} is longer than ${maxWindowDays} days; simulate a shorter window`);
  }
  const proposal: Proposal = { rootNamespace: body.rootNamespace, assertionIssuer: body.assertionIssuer, workloadLabels: body.workloads };
  try {
    if (body.routes !== undefined) proposal.routes = parseRoutePolicy(body.routes);
  } catch (error) {
    if (error instanceof InvalidDocumentError) throw new ApiError(400, 'invalid_routes', `routes: ${error.message}`);
    throw error;
  }
  if (body.authz !== undefined) {
    try {
      proposal.authz = parseAuthorizationPolicies(body.authz);
    } catch (error) {
      if (error instanceof InvalidPolicyError) throw new ApiError(400, 'invalid_authz', `authz: ${error.message}`);
      throw error;
    }
    if (proposal.authz.length === 0) {
      throw new ApiError(400, 'invalid_authz', 'authz holds no AuthorizationPolicy; give the complete proposed set (kind: AuthorizationPolicy, apiVersion: security.istio.io/v1)');
    }
  }
  return { window, proposal, limit: body.limit ?? 100 };
}

/** The API's answer: times as RFC 3339 instead of epoch nanoseconds. */
export function simulationDocument(result: StoredSimulation) {
  const at = <T extends { timeNs: string }>({ timeNs, ...rest }: T) => ({ timestamp: formatNs(timeNs), ...rest });
  return {
    ...result,
    window: { from: formatNs(result.window.fromNs), to: formatNs(result.window.toNs) },
    flips: result.flips.map(at),
    undecidable: result.undecidable.map(at),
  };
}

export type SimulationDocument = ReturnType<typeof simulationDocument>;
