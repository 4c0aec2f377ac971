import {
  context as contextApi,
  trace,
  SpanKind,
  TraceFlags,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { randomHexId } from '../lib/hex.ts';
import { soleServerSpan } from './in-flight.ts';
import { RecordingSpan } from './span.ts';

/**
 * A tracer provider that records spans into the trace of the request they belong to. A span
 * belongs to the request whose span is its parent; spans started outside any request are not
 * recorded (there is no batch to export them with).
 */
export class SeamTracerProvider implements TracerProvider {
  readonly #tracers = new Map<string, SeamTracer>();

  getTracer(name: string, version?: string): Tracer {
    const key = `${name}@${version ?? ''}`;
    let tracer = this.#tracers.get(key);
    if (!tracer) {
      tracer = new SeamTracer({ name, ...(version ? { version } : {}) });
      this.#tracers.set(key, tracer);
    }
    return tracer;
  }
}

class SeamTracer implements Tracer {
  constructor(readonly scope: { name: string; version?: string }) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = contextApi.active()): Span {
    const active = options.root ? undefined : trace.getSpan(ctx);
    const parent = active instanceof RecordingSpan ? active : active ? undefined : soleServerSpan();
    const parentContext = parent?.spanContext() ?? active?.spanContext();
    if (!parent) {
      // Not part of an instrumented request: hand back a valid but non-recording span so callers
      // can still propagate its context.
      return trace.wrapSpanContext({
        traceId: parentContext?.traceId ?? randomHexId(16),
        spanId: randomHexId(8),
        traceFlags: TraceFlags.NONE,
      });
    }
    return new RecordingSpan(
      parent.trace,
      this.scope,
      name,
      options.kind ?? SpanKind.INTERNAL,
      { traceId: parent.spanContext().traceId, spanId: randomHexId(8), traceFlags: parent.spanContext().traceFlags },
      parent.spanContext(),
      options.startTime,
      options.attributes,
      options.links,
    );
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, ctx: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest.pop() as F;
    const [options, ctx] = rest as [SpanOptions | undefined, Context | undefined];
    const parentCtx = ctx ?? contextApi.active();
    const span = this.startSpan(name, options, parentCtx);
    return contextApi.with(trace.setSpan(parentCtx, span), () => fn(span) as ReturnType<F>);
  }
}
