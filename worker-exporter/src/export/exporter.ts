import { sleep } from '../lib/time.ts';
import { encodeOtlpJson, type ExportableSpan } from './otlp-json.ts';
import { RETRYABLE_STATUS, retryDelayMs } from './retry.ts';
import { recordDroppedSpans } from './stats.ts';

export interface OTLPExporterOptions {
  /** Full URL of the OTLP/HTTP traces endpoint, e.g. `https://collector.example.com/v1/traces`. */
  url: string;
  headers?: Record<string, string>;
  /** `gzip` compresses bodies with CompressionStream. Default `none`. */
  compression?: 'gzip' | 'none';
  /** Per-attempt timeout. Default 5000 ms. */
  timeoutMs?: number;
  /** Attempts per batch, the first included. Default 3. */
  maxAttempts?: number;
  /** Base of the exponential backoff. Default 200 ms. */
  backoffMs?: number;
  /** A batch is dropped rather than wait longer than this for a retry (also caps `Retry-After`). Default 5000 ms. */
  maxRetryDelayMs?: number;
  /** Spans held by this exporter across all in-flight batches; batches beyond it are dropped. Default 2048. */
  maxQueuedSpans?: number;
  /** The fetch to send with; defaults to the global one as it was when the exporter was created. */
  fetch?: typeof fetch;
}

/** Same numbers as `@opentelemetry/core`'s ExportResultCode, so SDK span processors understand the result. */
export const ExportResultCode = { SUCCESS: 0, FAILED: 1 } as const;
export interface ExportResult {
  code: (typeof ExportResultCode)[keyof typeof ExportResultCode];
  error?: Error;
}

export interface ExporterStats {
  exportedSpans: number;
  droppedSpans: number;
  retries: number;
  queuedSpans: number;
}

/**
 * An OpenTelemetry `SpanExporter` sending OTLP/HTTP JSON with `fetch`. Retryable failures (429,
 * 502, 503, 504, network errors) are retried with backoff and `Retry-After`; when attempts run
 * out the batch is dropped and counted. It never throws and holds a bounded number of spans.
 */
export class OTLPHttpJsonExporter {
  readonly #options: Required<Omit<OTLPExporterOptions, 'headers'>> & { headers: Record<string, string> };
  readonly #pending = new Set<Promise<void>>();
  readonly #stats: ExporterStats = { exportedSpans: 0, droppedSpans: 0, retries: 0, queuedSpans: 0 };
  #shutdown = false;

  constructor(options: OTLPExporterOptions) {
    new URL(options.url); // fail at construction, with the URL in the message, not on the first export
    this.#options = {
      url: options.url,
      headers: options.headers ?? {},
      compression: options.compression ?? 'none',
      timeoutMs: options.timeoutMs ?? 5000,
      maxAttempts: Math.max(1, options.maxAttempts ?? 3),
      backoffMs: options.backoffMs ?? 200,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 5000,
      maxQueuedSpans: options.maxQueuedSpans ?? 2048,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    };
  }

  get stats(): Readonly<ExporterStats> {
    return { ...this.#stats };
  }

  export(spans: ExportableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.#shutdown) {
      this.#drop(spans.length);
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('the exporter was shut down; create a new one') });
      return;
    }
    if (spans.length === 0) {
      resultCallback({ code: ExportResultCode.SUCCESS });
      return;
    }
    if (this.#stats.queuedSpans + spans.length > this.#options.maxQueuedSpans) {
      this.#drop(spans.length);
      resultCallback({
        code: ExportResultCode.FAILED,
        error: new Error(`${this.#stats.queuedSpans} spans are already waiting for the collector (maxQueuedSpans ${this.#options.maxQueuedSpans}); batch dropped`),
      });
      return;
    }
    this.#stats.queuedSpans += spans.length;
    const done = this.#send(spans)
      .catch((e: unknown) => ({ code: ExportResultCode.FAILED, error: e instanceof Error ? e : new Error(String(e)) }) as ExportResult)
      .then((result) => {
        this.#stats.queuedSpans -= spans.length;
        if (result.code === ExportResultCode.SUCCESS) this.#stats.exportedSpans += spans.length;
        else this.#drop(spans.length);
        this.#pending.delete(done);
        resultCallback(result);
      });
    this.#pending.add(done);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.#pending);
  }

  async shutdown(): Promise<void> {
    this.#shutdown = true;
    await this.forceFlush();
  }

  #drop(count: number): void {
    this.#stats.droppedSpans += count;
    recordDroppedSpans(count);
  }

  async #send(spans: ExportableSpan[]): Promise<ExportResult> {
    const o = this.#options;
    const json = JSON.stringify(encodeOtlpJson(spans));
    const body = o.compression === 'gzip' ? await gzip(json) : json;
    const headers: Record<string, string> = { ...o.headers, 'content-type': 'application/json' };
    if (o.compression === 'gzip') headers['content-encoding'] = 'gzip';
    let lastError = '';
    for (let attempt = 0; attempt < o.maxAttempts; attempt++) {
      let retryAfter: string | null = null;
      try {
        const res = await o.fetch(o.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(o.timeoutMs) });
        // The body is read to release the connection; its content (partial success) is informational.
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return { code: ExportResultCode.SUCCESS };
        lastError = `HTTP ${res.status} from ${o.url}`;
        if (!RETRYABLE_STATUS.has(res.status)) break;
        retryAfter = res.headers.get('retry-after');
      } catch (e) {
        lastError = `${(e as Error).message} (${o.url})`;
      }
      if (attempt + 1 >= o.maxAttempts) break;
      const delay = retryDelayMs(retryAfter, attempt, o.backoffMs);
      // Honouring Retry-After means not retrying earlier; if it is longer than we may wait, give up now.
      if (delay > o.maxRetryDelayMs) {
        lastError += `; Retry-After ${Math.round(delay / 1000)}s exceeds maxRetryDelayMs`;
        break;
      }
      this.#stats.retries++;
      await sleep(delay);
    }
    return { code: ExportResultCode.FAILED, error: new Error(`OTLP export failed: ${lastError}`) };
  }
}

async function gzip(text: string): Promise<ArrayBuffer> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}
