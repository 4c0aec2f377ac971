// A Worker for the instrumentation tests: routes that exercise custom spans, errors, slowness
// and subrequests, configured entirely by string bindings so each test picks its settings.
import { trace } from '@opentelemetry/api';
import { droppedSpans, instrument } from '../../src/index.ts';

interface Env {
  OTLP_URL: string;
  ORIGIN_URL: string;
  RATIO: string;
  SLOW_MS: string;
  GZIP: string;
  MAX_ATTEMPTS: string;
  MAX_QUEUED: string;
  FORMATS: string;
  BATCH_DELAY_MS: string;
}

const tracer = trace.getTracer('harness', '1.0.0');

const handler = {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    switch (url.pathname) {
      case '/custom':
        return tracer.startActiveSpan('load-profile', async (span) => {
          span.setAttribute('profile.cached', false);
          await new Promise((r) => setTimeout(r, 5));
          // Started after an await: the parent comes from AsyncLocalStorage or the sole in-flight request.
          const inner = tracer.startSpan('render');
          inner.end();
          const res = await fetch(`${env.ORIGIN_URL}/profile`);
          span.end();
          return new Response(`custom ${res.status}`);
        });
      case '/throw':
        throw new TypeError('boom');
      case '/slow':
        await new Promise((r) => setTimeout(r, Number(url.searchParams.get('ms'))));
        return new Response('slow');
      case '/stats':
        return Response.json({ dropped: droppedSpans() });
      default:
        return new Response('hello');
    }
  },
};

export default instrument(handler, (env: Env) => ({
  service: { name: 'harness', version: '1.2.3' },
  exporter: {
    url: env.OTLP_URL,
    compression: env.GZIP === '1' ? 'gzip' : 'none',
    maxAttempts: Number(env.MAX_ATTEMPTS),
    backoffMs: 20,
    maxRetryDelayMs: 2000,
    maxQueuedSpans: Number(env.MAX_QUEUED),
    timeoutMs: 10_000,
  },
  batch: { delayMs: Number(env.BATCH_DELAY_MS) },
  sampling: { ratio: Number(env.RATIO), slowMs: Number(env.SLOW_MS) },
  mesh: { urls: [`${env.ORIGIN_URL}/`] },
  propagation: { formats: env.FORMATS.split(',') as ('tracecontext' | 'b3' | 'b3multi')[] },
}));
