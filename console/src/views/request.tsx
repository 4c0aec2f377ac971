// One request as the edge and the mesh saw it: both halves on one time axis, decisions marked on
// their spans, mismatches in words, attributes on demand.
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { apiGet, type Decision, type Span, type TraceDocument } from '../api.ts';
import { describeDecision, describeMismatch } from '../describe.ts';
import { clock, duration, epochMs } from '../format.ts';
import { href } from '../location.ts';
import { useApi } from '../use-api.ts';
import { Loaded } from './status.tsx';

const layerOrder = ['edge', 'gateway', 'sidecar', 'app'];

export function RequestView({ traceId }: { traceId: string }) {
  const load = useApi(() => apiGet<TraceDocument>(`/traces/${encodeURIComponent(traceId)}`), [traceId]);
  return <Loaded load={load}>{(doc) => <RequestDocument doc={doc} />}</Loaded>;
}

export function RequestDocument({ doc }: { doc: TraceDocument }) {
  const traceIds = [...new Set([doc.traceId, ...doc.spans.map((span) => span.traceId)])];
  const halfOf = (id: string) => (doc.links.some((l) => l.edgeTraceId === id) ? 'edge trace' : doc.links.some((l) => l.meshTraceId === id) ? 'mesh trace' : 'trace');
  // The edge half in the edge's colour and the mesh half in the mesh's, whichever id was searched.
  const tone = new Map(traceIds.map((id, index) => [id, halfOf(id) === 'mesh trace' ? 1 : halfOf(id) === 'edge trace' || index === 0 ? 0 : 2]));
  const subjects = [...new Set(doc.decisions.map((d) => d.subject).filter((subject) => subject))];
  const layerOfService = new Map(doc.decisions.filter((d) => d.layer !== 'edge').map((d) => [d.service, d.layer]));
  return (
    <section class="request">
      <h2>Request</h2>
      <p class="summary">{doc.summary}</p>
      <dl class="facts">
        {traceIds.map((id) => (
          <Fragment key={id}>
            <dt>{halfOf(id)}</dt>
            <dd>
              <span class={`swatch t${tone.get(id)}`} />
              <a class="mono" href={href({ view: 'request', trace: id })}>{id}</a>
            </dd>
          </Fragment>
        ))}
        {subjects.map((subject) => (
          <Fragment key={subject}>
            <dt>subject</dt>
            <dd>
              <a href={href({ view: 'identity', subject })}>{subject}</a>
            </dd>
          </Fragment>
        ))}
        {doc.links.map((link) => (
          <Fragment key={`${link.edgeTraceId}/${link.meshTraceId}`}>
            <dt>link</dt>
            <dd class="link">
              edge {link.edgeTraceId.slice(0, 8)}… ↔ mesh {link.meshTraceId.slice(0, 8)}… by <b>{link.method}</b>, confidence {link.confidence}
            </dd>
          </Fragment>
        ))}
      </dl>
      {doc.mismatches.length > 0 && (
        <ul class="mismatches">
          {doc.mismatches.map((mismatch) => (
            <li key={`${mismatch.kind}/${mismatch.traceId}/${mismatch.meshTraceId}`} class={`mismatch ${mismatch.kind}`}>
              <b>{mismatch.kind}</b>: {describeMismatch(mismatch, (service) => layerOfService.get(service), doc.links.find((l) => l.edgeTraceId === mismatch.traceId && l.meshTraceId === mismatch.meshTraceId))}
            </li>
          ))}
        </ul>
      )}
      <Waterfall doc={doc} tone={tone} />
    </section>
  );
}

function Waterfall({ doc, tone }: { doc: TraceDocument; tone: ReadonlyMap<string, number> }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  if (doc.spans.length === 0) return <p class="muted">no spans stored for this trace</p>;
  const starts = doc.spans.map((span) => epochMs(span.start));
  const t0 = Math.min(...starts);
  const t1 = Math.max(...doc.spans.map((span, i) => starts[i]! + span.durationNs / 1e6));
  const total = Math.max(t1 - t0, 1e-3);
  const decisionOf = new Map<string, Decision>(doc.decisions.map((d) => [`${d.traceId}/${d.spanId}`, d]));
  const lanes = new Map<string, { span: Span; offset: number }[]>();
  doc.spans.forEach((span, i) => {
    const lane = lanes.get(span.layer) ?? [];
    lane.push({ span, offset: starts[i]! - t0 });
    lanes.set(span.layer, lane);
  });
  const ordered = [...lanes.keys()].sort((a, b) => rank(a) - rank(b));
  const toggle = (key: string) => {
    const next = new Set(open);
    if (!next.delete(key)) next.add(key);
    setOpen(next);
  };
  return (
    <div class="waterfall">
      <div class="axis">
        <span />
        <div class="ticks">
          {[0, 0.25, 0.5, 0.75, 1].map((f) => (
            <span style={{ left: `${f * 100}%` }}>{f === 0 ? '0' : duration(Math.round(f * total * 1e6))}</span>
          ))}
        </div>
      </div>
      {ordered.map((layer) => (
        <div class="lane" data-layer={layer}>
          <h3>
            {layer} <span class="muted">{lanes.get(layer)!.length === 1 ? '1 span' : `${lanes.get(layer)!.length} spans`}</span>
          </h3>
          {lanes.get(layer)!.map(({ span, offset }) => {
            const key = `${span.traceId}/${span.spanId}`;
            const decision = decisionOf.get(key);
            return (
              <div key={key} class={`span${span.status === 'error' || span.httpStatus >= 500 ? ' error' : ''}`}>
                <button type="button" class="label" aria-expanded={open.has(key)} onClick={() => toggle(key)} style={{ paddingLeft: `${0.4 + Math.min(span.depth, 12) * 0.8}em` }}>
                  <span class="service">{span.service}</span>
                  <span class="name">{span.name}</span>
                </button>
                <div class="track">
                  <div class={`bar t${tone.get(span.traceId)}`} style={{ left: `${(offset / total) * 100}%`, width: `${Math.max((span.durationNs / 1e6 / total) * 100, 0.3)}%` }} />
                  <span class="took" style={{ left: `${Math.min((offset / total) * 100, 85)}%` }}>
                    {span.httpStatus ? `${duration(span.durationNs)} · ${span.httpStatus}` : duration(span.durationNs)}
                  </span>
                </div>
                {decision && <p class={`decision ${decision.decision}`}>{describeDecision(decision)}</p>}
                {open.has(key) && <Attributes span={span} />}
              </div>
            );
          })}
        </div>
      ))}
    </div>
  );
}

function rank(layer: string): number {
  const index = layerOrder.indexOf(layer);
  return index === -1 ? layerOrder.length : index;
}

function Attributes({ span }: { span: Span }) {
  const rows: [string, string][] = [
    ['trace id', span.traceId],
    ['span id', span.spanId],
    ['parent span id', span.parentSpanId || '(root)'],
    ['kind', span.kind],
    ['start', clock(span.start)],
    ['status', span.statusMessage ? `${span.status}: ${span.statusMessage}` : span.status],
    ...Object.entries(span.attributes).sort(([a], [b]) => a.localeCompare(b)),
  ];
  return (
    <table class="attributes">
      <tbody>
        {rows.map(([name, value]) => (
          <tr>
            <th>{name}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
