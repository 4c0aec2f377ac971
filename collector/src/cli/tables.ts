import type { DecisionRecord, KeyRecord, MismatchRecord } from '../api/shapes.ts';
import { stringOption, type ParsedArgs } from './args.ts';
import { openReader, type Params } from './reader.ts';
import { paint, table } from './render.ts';

type List<K extends string, T> = Record<K, T[]> & { nextCursor: string | null };

function listParams(args: ParsedArgs, filters: string[]): Params {
  const params: Params = {};
  for (const name of ['from', 'to', 'limit', 'cursor', ...filters]) params[name] = stringOption(args, name);
  return params;
}

async function runList<K extends string, T>(args: ParsedArgs, path: string, key: K, filters: string[], rowsOf: (items: T[]) => { headers: string[]; rows: string[][] }): Promise<void> {
  const reader = await openReader(args);
  try {
    const result = (await reader.get(path, listParams(args, filters))) as List<K, T>;
    if (args.options.get('json') === true) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    const items = result[key];
    if (items.length === 0) console.log(`no ${key} in this window; widen it with --from/--to (RFC 3339 or epoch ms)`);
    else {
      const { headers, rows } = rowsOf(items);
      console.log(table(headers, rows));
    }
    if (result.nextCursor) console.log(`\nmore: add --cursor ${result.nextCursor}`);
  } finally {
    await reader.close();
  }
}

/** `seam decisions [--from --to --subject --layer --decision --reason --service --limit --cursor] [--json]` */
export async function decisionsCommand(args: ParsedArgs): Promise<void> {
  const p = paint();
  await runList<'decisions', DecisionRecord>(args, '/decisions', 'decisions', ['subject', 'layer', 'decision', 'reason', 'service'], (items) => ({
    headers: ['TIME', 'LAYER', 'SERVICE', 'SUBJECT', 'DECISION', 'REASON', 'POLICY', 'EVIDENCE', 'TRACE'],
    rows: items.map((d) => [d.timestamp, d.layer, d.service, d.subject, d.decision === 'deny' ? p.red('deny') : p.green('allow'), d.reason, d.policy, d.evidence, d.traceId]),
  }));
}

/** `seam mismatches [--from --to --kind --limit --cursor] [--json]` */
export async function mismatchesCommand(args: ParsedArgs): Promise<void> {
  const p = paint();
  const side = (view: MismatchRecord['edge']) => (view ? [view.decision, view.reason, view.policy].filter(Boolean).join(' ') || '-' : '-');
  await runList<'mismatches', MismatchRecord>(args, '/mismatches', 'mismatches', ['kind'], (items) => ({
    headers: ['TIME', 'KIND', 'SUBJECT', 'EDGE', 'MESH', 'TRACE', 'MESH TRACE', 'MESH DECIDED AT'],
    rows: items.map((m) => [m.timestamp, p.red(m.kind), m.subject, side(m.edge), side(m.mesh), m.traceId, m.meshTraceId, m.mesh?.service || '-']),
  }));
}

/** `seam keys [--from --to --limit --cursor] [--json]` */
export async function keysCommand(args: ParsedArgs): Promise<void> {
  const p = paint();
  await runList<'keys', KeyRecord>(args, '/keys', 'keys', [], (items) => ({
    headers: ['KID', 'ISSUER', 'FIRST SEEN', 'LAST SEEN', 'AGE', 'REQUESTS', 'PAST ROTATION'],
    rows: items.map((k) => [
      k.keyId,
      k.issuer,
      k.firstSeen,
      k.lastSeen,
      `${(k.ageSeconds / 3600).toFixed(1)} h`,
      String(k.requests),
      k.requestsPastRotation > 0 ? p.red(String(k.requestsPastRotation)) : '0',
    ]),
  }));
}
