import type { SpanExporterLike } from '../config.ts';
import { sleep } from '../lib/time.ts';
import type { ExportableSpan } from './otlp-json.ts';

export interface BatchOptions {
  /** How long a request's spans wait for other requests' spans before they are exported. 0: export at once. */
  delayMs: number;
  /** A batch this large is exported at once. */
  maxSpans: number;
}

/**
 * Exports the spans of the requests an isolate serves within `delayMs` together: one subrequest for
 * many requests, where the subrequest is most of what tracing costs a Worker. Each request's
 * `waitUntil` holds its own spans until they are exported: when its delay ends and no other request
 * has exported the batch meanwhile, it exports the batch itself, so no span waits for a request that
 * may never come. Requests share only plain span data, never a promise.
 */
export class SpanBatch {
  #spans: ExportableSpan[] = [];
  #exports = 0;

  constructor(
    private readonly exporter: SpanExporterLike,
    private readonly options: BatchOptions,
  ) {}

  /** Adds one request's spans; the promise (for that request's `waitUntil`) settles once they are exported or dropped. */
  async add(spans: ExportableSpan[]): Promise<void> {
    this.#spans.push(...spans);
    if (this.options.delayMs > 0 && this.#spans.length < this.options.maxSpans) {
      const exportsBefore = this.#exports;
      await sleep(this.options.delayMs);
      // Another request's export carried these spans; its own waitUntil covers that export.
      if (this.#exports !== exportsBefore) return;
    }
    await this.#export();
  }

  #export(): Promise<void> {
    const spans = this.#spans;
    this.#spans = [];
    this.#exports++;
    if (spans.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        this.exporter.export(spans, () => resolve());
      } catch {
        // A third-party exporter that throws must not turn into an unhandled rejection.
        resolve();
      }
    });
  }
}
