import { readFileSync } from 'node:fs';
import { InvalidDocumentError, parseMapping, parseRoutePolicy } from '@seam/worker-exporter/rules';
import { ApiError } from '../api/errors.ts';
import { loadConfig } from '../config/load.ts';
import { storeOptions } from '../config/store-options.ts';
import { checkDrift } from '../policy/check.ts';
import { InvalidPolicyError, parseAuthorizationPolicies } from '../policy/istio/authorization.ts';
import { renderAuthorizationPolicy } from '../policy/render.ts';
import { parseSimulationRequest, simulationDocument, type SimulationDocument, type SimulationRequest } from '../policy/simulate-request.ts';
import { simulateStored } from '../policy/simulate-store.ts';
import { stringOption, UsageError, type ParsedArgs } from './args.ts';
import { paint, table } from './render.ts';
import { ReaderError } from './reader.ts';

const usage = `usage:
  seam policy render --mapping rules.json [--routes route-policy.json] [--namespace ns] [--selector app=x[,k=v]] [--name n] [--issuer iss]
  seam policy simulate [--routes route-policy.json] [--authz policies.yaml] [--from T] [--to T] [--assertion-issuer iss]
                       [--root-namespace istio-system] [--workloads labels.json] [--limit N] [--json] [--url U [--token T]]
  seam policy check --authz policies.yaml [--mapping rules.json] [--routes route-policy.json] [--namespace ns] [--selector app=x]
                    [--issuer iss] [--root-namespace istio-system] [--json]`;

/**
 * `seam policy render`: prints an Istio AuthorizationPolicy (YAML, stdout) equivalent to the Worker's
 * claim mapping and route policy; every place it had to be stricter than the edge goes to stderr too.
 * `seam policy simulate`: the recorded requests a proposed policy would flip. `seam policy check`: drift
 * between the edge's documents and a set of AuthorizationPolicies, without traffic.
 */
export async function policyCommand(args: ParsedArgs): Promise<void> {
  const action = args.positional[1];
  if (action === 'simulate') return simulateCommand(args);
  if (action === 'check') return checkCommand(args);
  if (action !== 'render') throw new UsageError(usage);
  const mappingFile = stringOption(args, 'mapping');
  if (!mappingFile) throw new UsageError(`--mapping is required\n${usage}`);
  const routesFile = stringOption(args, 'routes');
  try {
    const mapping = await parseMapping(readDocument(mappingFile));
    const routes = routesFile ? parseRoutePolicy(readDocument(routesFile)) : undefined;
    const { yaml, warnings } = renderAuthorizationPolicy(mapping.document, routes, {
      name: stringOption(args, 'name'),
      namespace: stringOption(args, 'namespace'),
      selector: parseSelector(stringOption(args, 'selector')),
      issuer: stringOption(args, 'issuer'),
      mappingVersion: mapping.version,
    });
    for (const warning of warnings) console.error(`seam: warning: ${warning}`);
    process.stdout.write(yaml);
  } catch (error) {
    if (error instanceof InvalidDocumentError) throw new UsageError(error.message);
    throw error;
  }
}

async function simulateCommand(args: ParsedArgs): Promise<void> {
  const routesFile = stringOption(args, 'routes');
  const authzFile = stringOption(args, 'authz');
  const workloadsFile = stringOption(args, 'workloads');
  const limit = stringOption(args, 'limit');
  if (!routesFile && !authzFile) throw new UsageError(`give --routes, --authz or both: the proposal to simulate\n${usage}`);
  if (limit !== undefined && !/^\d{1,4}$/.test(limit)) throw new UsageError(`--limit takes a number from 1 to 1000, got "${limit}"`);
  const body: SimulationRequest = {
    from: stringOption(args, 'from'),
    to: stringOption(args, 'to'),
    ...(routesFile ? { routes: readJson(routesFile) } : {}),
    ...(authzFile ? { authz: readDocument(authzFile) } : {}),
    rootNamespace: stringOption(args, 'root-namespace'),
    assertionIssuer: stringOption(args, 'assertion-issuer'),
    ...(workloadsFile ? { workloads: readJson(workloadsFile) as SimulationRequest['workloads'] } : {}),
    ...(limit !== undefined ? { limit: Number(limit) } : {}),
  };
  const url = stringOption(args, 'url');
  const result = url ? await simulateRemote(url, stringOption(args, 'token') ?? process.env.SEAM_TOKEN, body) : await simulateLocal(args, body);
  if (args.options.get('json') === true) console.log(JSON.stringify(result, null, 2));
  else printSimulation(result);
}

/** Straight on the data directory, as the other commands read it without --url. */
async function simulateLocal(args: ParsedArgs, body: SimulationRequest): Promise<SimulationDocument> {
  let request: ReturnType<typeof parseSimulationRequest>;
  try {
    request = parseSimulationRequest(body);
  } catch (error) {
    if (error instanceof ApiError) throw new UsageError(error.message);
    throw error;
  }
  const config = loadConfig(process.env, stringOption(args, 'config'));
  const { openStore } = await import('../store/open.ts');
  const store = await openStore(storeOptions(config));
  try {
    return simulationDocument(await simulateStored(store, request.window, request.proposal, null, request.limit));
  } finally {
    await store.close();
  }
}

async function simulateRemote(base: string, token: string | undefined, body: SimulationRequest): Promise<SimulationDocument> {
  const target = `${base.replace(/\/$/, '')}/api/v1/policy/simulate`;
  let response: Response;
  try {
    response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined))),
    });
  } catch (error) {
    throw new UsageError(`cannot reach ${base} (${(error as Error).message}); is the collector running, and is --url its API address?`);
  }
  const answer = (await response.json().catch(() => null)) as (SimulationDocument & { error?: { message?: string } }) | null;
  if (!response.ok) throw new ReaderError(response.status, answer?.error?.message ?? `HTTP ${response.status} from ${target}`);
  return answer!;
}

function printSimulation(result: SimulationDocument): void {
  const p = paint();
  console.log(
    `${result.window.from} .. ${result.window.to}: ${result.evaluated} decisions re-evaluated, ${result.untouched} out of the proposal's reach; ` +
      `${result.flipCount === 0 ? p.green('0 flips') : p.bold(`${result.flipCount} flips`)}, ${result.undecidableCount} undecidable`,
  );
  if (result.byRule.length > 0) {
    console.log(`\n${table(['LAYER', 'RULE', 'FLIP', 'REQUESTS', 'SAMPLE TRACES'], result.byRule.map((r) => [r.layer, r.rule, flipText(p, r.from, r.to), String(r.count), r.sampleTraceIds.join(' ')]))}`);
  }
  if (result.byGroup.length > 0) {
    console.log(`\n${table(['GROUP', 'ALLOW→DENY', 'DENY→ALLOW'], result.byGroup.map((g) => [g.group, String(g.allowToDeny), String(g.denyToAllow)]))}`);
  }
  if (result.flips.length > 0) {
    console.log(
      `\n${table(
        ['TIME', 'LAYER', 'SERVICE', 'SUBJECT', 'REQUEST', 'FLIP', 'RULE', 'TRACE'],
        result.flips.map((f) => [f.timestamp, f.layer, f.service, f.subject, `${f.method} ${f.path}`, flipText(p, f.from, f.to), f.rule, f.traceId]),
      )}`,
    );
    if (result.flips.length < result.flipCount) console.log(p.dim(`(${result.flipCount - result.flips.length} more flips counted above; --limit lists up to 1000, --json prints them)`));
  }
  if (result.undecidableByReason.length > 0) {
    console.log(`\n${p.yellow('undecidable')}: the recorded requests do not tell\n${table(['REQUESTS', 'REASON'], result.undecidableByReason.map((u) => [String(u.count), u.reason]))}`);
  }
}

function flipText(p: ReturnType<typeof paint>, from: string, to: string): string {
  return to === 'deny' ? p.red(`${from} → ${to}`) : p.green(`${from} → ${to}`);
}

async function checkCommand(args: ParsedArgs): Promise<void> {
  const authzFile = stringOption(args, 'authz');
  if (!authzFile) throw new UsageError(`--authz is required: the AuthorizationPolicies to check the edge against\n${usage}`);
  const mappingFile = stringOption(args, 'mapping');
  const routesFile = stringOption(args, 'routes');
  try {
    const mapping = mappingFile ? (await parseMapping(readDocument(mappingFile))).document : undefined;
    const routes = routesFile ? parseRoutePolicy(readDocument(routesFile)) : undefined;
    const policies = parseAuthorizationPolicies(readDocument(authzFile), stringOption(args, 'namespace') ?? 'default');
    const result = checkDrift(mapping, routes, policies, {
      namespace: stringOption(args, 'namespace'),
      labels: parseSelector(stringOption(args, 'selector')),
      rootNamespace: stringOption(args, 'root-namespace'),
      issuer: stringOption(args, 'issuer'),
    });
    if (args.options.get('json') === true) console.log(JSON.stringify(result, null, 2));
    else {
      const p = paint();
      console.log(`${result.checked} edge-allowed requests checked against ${policies.length} AuthorizationPolicies: ${result.findings.length === 0 ? p.green('no drift') : p.red(`${result.findings.length} findings`)}`);
      if (result.findings.length > 0) console.log(`\n${table(['KIND', 'FINDING'], result.findings.map((f) => [f.kind, f.message]))}`);
      if (result.undetermined.length > 0) console.log(`\n${p.yellow('undetermined')} without traffic:\n${table(['ROUTE', 'GROUP', 'REASON'], result.undetermined.map((u) => [u.route, u.group, u.reason]))}`);
    }
    // Drift fails the command, so a pipeline can gate on it.
    if (result.findings.length > 0) process.exitCode = 1;
  } catch (error) {
    if (error instanceof InvalidDocumentError || error instanceof InvalidPolicyError) throw new UsageError(error.message);
    throw error;
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readDocument(file));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function readDocument(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** `app=x,version=v1` → matchLabels. */
export function parseSelector(value: string | undefined): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of value.split(',')) {
    const [key, label, ...rest] = pair.split('=');
    if (!key?.trim() || label === undefined || rest.length > 0) throw new UsageError(`--selector takes key=value pairs separated by commas, got "${value}"`);
    labels[key.trim()] = label.trim();
  }
  return labels;
}
