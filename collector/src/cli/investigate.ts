import type { TraceDocument, TraceListItem } from '../api/shapes.ts';
import { stringOption, UsageError, type ParsedArgs } from './args.ts';
import { openReader, type Reader } from './reader.ts';
import { milliseconds, paint, type Paint } from './render.ts';

/**
 * `seam investigate <trace-id | ray-id | request-id | subject> [--from --to] [--json] [--url --token]`:
 * the joined story of a trace, found directly or through the newest trace carrying that key.
 */
export async function investigateCommand(args: ParsedArgs): Promise<void> {
  const target = args.positional[1];
  if (!target) throw new UsageError('usage: seam investigate <trace-id | ray-id | request-id | subject> [--from T] [--to T] [--json] [--url URL] [--token T]');
  const reader = await openReader(args);
  try {
    const traceId = await resolveTrace(reader, target, { from: stringOption(args, 'from'), to: stringOption(args, 'to') });
    const document = (await reader.get(`/traces/${traceId.id}`, {})) as TraceDocument;
    if (args.options.get('json') === true) {
      console.log(JSON.stringify(document, null, 2));
      return;
    }
    console.log(renderStory(document, paint()));
    if (traceId.others.length > 0) console.log(`\nalso matching (newest first): ${traceId.others.join(' ')}`);
  } finally {
    await reader.close();
  }
}

async function resolveTrace(reader: Reader, target: string, window: { from?: string | undefined; to?: string | undefined }): Promise<{ id: string; others: string[] }> {
  if (/^[0-9a-fA-F]{32}$/.test(target)) return { id: target.toLowerCase(), others: [] };
  const key = /^[0-9a-fA-F]{16}(-[A-Za-z0-9]+)?$/.test(target)
    ? { rayId: target }
    : /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(target)
      ? { requestId: target }
      : { subject: target };
  const { traces } = (await reader.get('/traces', { ...window, ...key, limit: '10' })) as { traces: TraceListItem[] };
  const [first, ...rest] = traces;
  if (!first) {
    const what = Object.keys(key)[0];
    throw new UsageError(`no trace with ${what} ${target} between ${window.from ?? '24 h ago'} and ${window.to ?? 'now'}; widen the window with --from/--to`);
  }
  return { id: first.traceId, others: rest.map((trace) => trace.traceId) };
}

/** A span tree with layer lanes and offsets from the first span, decisions marked, mismatches last. */
export function renderStory(document: TraceDocument, p: Paint): string {
  const lines = [p.bold(`trace ${document.traceId}`), document.summary, ''];
  const origin = document.spans.reduce((min, span) => (span.start < min ? span.start : min), document.spans[0]?.start ?? '');
  const originMs = Date.parse(origin);
  const decisions = new Map(document.decisions.map((d) => [`${d.traceId}/${d.spanId}`, d]));
  let currentTrace = '';
  for (const span of document.spans) {
    if (span.traceId !== currentTrace && document.links.some((l) => l.edgeTraceId !== l.meshTraceId)) {
      const link = document.links.find((l) => l.edgeTraceId === span.traceId || l.meshTraceId === span.traceId);
      const heading = span.traceId === document.traceId ? `trace ${span.traceId}` : `linked trace ${span.traceId}${link ? ` (${link.method}, confidence ${link.confidence})` : ''}`;
      lines.push(...(currentTrace ? [''] : []), p.dim(heading));
    }
    currentTrace = span.traceId;
    const offset = `+${(Date.parse(span.start) - originMs).toFixed(0).padStart(4)} ms`;
    const decision = decisions.get(`${span.traceId}/${span.spanId}`);
    const verdict = decision
      ? decision.decision === 'deny'
        ? p.red(`✘ deny ${[decision.reason, decision.policy].filter(Boolean).join(' ')} (${decision.evidence})`)
        : p.green(`✔ allow${decision.reason ? ` ${decision.reason}` : ''} (${decision.evidence})`)
      : '';
    const status = span.httpStatus ? ` ${span.httpStatus}` : '';
    lines.push(
      `${span.layer.padEnd(8)} ${p.dim(offset)} ${'  '.repeat(span.depth)}${span.name} ${p.dim(`[${span.service} ${span.kind} ${milliseconds(span.durationNs)}${status}]`)} ${verdict}`.trimEnd(),
    );
  }
  if (document.mismatches.length > 0) {
    lines.push('', p.bold('mismatches'));
    for (const m of document.mismatches) {
      const edge = m.edge ? `edge ${m.edge.decision} ${m.edge.reason}`.trim() : 'no edge';
      const mesh = m.mesh ? `mesh ${[m.mesh.decision, m.mesh.service && `at ${m.mesh.service}`, m.mesh.reason, m.mesh.policy].filter(Boolean).join(' ')}` : 'no mesh';
      lines.push(p.red(`! ${m.kind}: ${edge} / ${mesh}${m.subject ? ` (${m.subject})` : ''}`));
    }
  }
  return lines.join('\n');
}
