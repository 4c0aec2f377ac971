import type { Attributes, Span } from '@opentelemetry/api';
import type { RecordingSpan } from './span.ts';

// One request's spans are held until the request ends; the cap bounds a handler that starts spans in a loop.
const MAX_SPANS_PER_REQUEST = 512;

/** What the instrumented fetch needs to know to decorate a subrequest made during this request. */
export interface SubrequestPlan {
  /** Whether `url` is inside the mesh (gets request id and identity) and whether it gets trace headers. */
  classify(url: URL): { mesh: boolean; trace: boolean };
  formats: readonly PropagationFormat[];
  tracestate: string | undefined;
  requestIdHeader: string;
  requestId: string;
  identityHeader: string;
  /** The signed identity assertion, or undefined when there is none or it cannot be signed (recorded on `span`). */
  assertion(span: Span): Promise<string | undefined>;
}

export type PropagationFormat = 'tracecontext' | 'b3' | 'b3multi';

/** The spans of one incoming request, collected until the request ends and the trace is exported as a batch. */
export class RequestTrace {
  readonly spans: RecordingSpan[] = [];
  droppedSpans = 0;
  subrequests: SubrequestPlan | undefined;

  constructor(readonly resource: { attributes: Attributes }) {}

  onSpanEnd(span: RecordingSpan): void {
    if (this.spans.length < MAX_SPANS_PER_REQUEST) this.spans.push(span);
    else this.droppedSpans++;
  }
}
