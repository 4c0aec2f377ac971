import { readFileSync } from 'node:fs';
import { InvalidDocumentError, parseMapping, parseRoutePolicy } from '@seam/worker-exporter/rules';
import { renderAuthorizationPolicy } from '../policy/render.ts';
import { stringOption, UsageError, type ParsedArgs } from './args.ts';

const usage =
  'usage: seam policy render --mapping rules.json [--routes route-policy.json] [--namespace ns] [--selector app=x[,k=v]] [--name n] [--issuer iss]';

/**
 * `seam policy render`: prints an Istio AuthorizationPolicy (YAML, stdout) equivalent to the Worker's
 * claim mapping and route policy; every place it had to be stricter than the edge goes to stderr too.
 */
export async function policyCommand(args: ParsedArgs): Promise<void> {
  if (args.positional[1] !== 'render') throw new UsageError(usage);
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
