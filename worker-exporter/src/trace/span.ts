import {
  SpanStatusCode,
  type Attributes,
  type AttributeValue,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import { hrNow, hrToMs, msToHr } from '../lib/time.ts';
import type { RequestTrace } from './request-trace.ts';

// Per-span caps keep a runaway handler (attributes in a loop) from growing an isolate's memory.
const MAX_ATTRIBUTES = 128;
const MAX_EVENTS = 128;
const MAX_LINKS = 32;
const MAX_STRING = 4096;

export interface TimedEvent {
  name: string;
  time: HrTime;
  attributes?: Attributes;
}

export interface SpanScope {
  name: string;
  version?: string;
}

/**
 * A span recorded into one request's trace. It has the fields of the OpenTelemetry SDK's
 * `ReadableSpan`, so the same OTLP exporter serves these spans and any SDK's.
 */
export class RecordingSpan implements Span {
  name: string;
  readonly kind: SpanKind;
  readonly attributes: Attributes = {};
  readonly events: TimedEvent[] = [];
  readonly links: Link[];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  readonly startTime: HrTime;
  endTime: HrTime = [0, 0];
  ended = false;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  readonly #context: SpanContext;

  constructor(
    readonly trace: RequestTrace,
    readonly instrumentationScope: SpanScope,
    name: string,
    kind: SpanKind,
    context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    startTime: TimeInput | undefined,
    attributes: Attributes | undefined,
    links: Link[] | undefined,
  ) {
    this.name = name;
    this.kind = kind;
    this.#context = context;
    this.startTime = toHr(startTime);
    this.links = (links ?? []).slice(0, MAX_LINKS);
    this.droppedLinksCount = (links?.length ?? 0) - this.links.length;
    if (attributes) this.setAttributes(attributes);
  }

  get resource(): { attributes: Attributes } {
    return this.trace.resource;
  }

  get duration(): HrTime {
    return msToHr(Math.max(0, hrToMs(this.endTime) - hrToMs(this.startTime)));
  }

  spanContext(): SpanContext {
    return this.#context;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (this.ended || value === undefined) return this;
    if (!(key in this.attributes) && Object.keys(this.attributes).length >= MAX_ATTRIBUTES) {
      this.droppedAttributesCount++;
      return this;
    }
    this.attributes[key] = typeof value === 'string' && value.length > MAX_STRING ? value.slice(0, MAX_STRING) : value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const [k, v] of Object.entries(attributes)) this.setAttribute(k, v);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    if (this.events.length >= MAX_EVENTS) {
      this.droppedEventsCount++;
      return this;
    }
    const isTime = typeof attributesOrTime === 'number' || Array.isArray(attributesOrTime) || attributesOrTime instanceof Date;
    this.events.push({
      name,
      time: toHr(isTime ? (attributesOrTime as TimeInput) : time),
      ...(isTime || !attributesOrTime ? {} : { attributes: attributesOrTime as Attributes }),
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.links.length >= MAX_LINKS) this.droppedLinksCount++;
    else this.links.push(link);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const l of links) this.addLink(l);
    return this;
  }

  setStatus(status: SpanStatus): this {
    // OTel rule: once a span is OK, later ERROR/UNSET calls are ignored; UNSET never overrides.
    if (this.ended || this.status.code === SpanStatusCode.OK || status.code === SpanStatusCode.UNSET) return this;
    this.status = status;
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.endTime = toHr(endTime);
    this.ended = true;
    this.trace.onSpanEnd(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes['exception.message'] = exception;
    } else {
      if (exception.name) attributes['exception.type'] = exception.name;
      else if (exception.code !== undefined) attributes['exception.type'] = String(exception.code);
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    this.addEvent('exception', attributes, time);
  }
}

function toHr(t: TimeInput | undefined): HrTime {
  if (t === undefined) return hrNow();
  if (Array.isArray(t)) return t;
  if (t instanceof Date) return msToHr(t.getTime());
  // OTel accepts performance.now()-style numbers; anything below a year's worth of ms is relative to now.
  return msToHr(t < 31_536_000_000 ? Date.now() - (performance.now() - t) : t);
}
