import type { AttributeStats } from './decode/attributes.ts';
import type { Decoded, LogRecord, Span } from './model/span.ts';
import { enrichLog } from './enrich/enrich-log.ts';
import { enrichSpan } from './enrich/enrich-span.ts';
import type { EnrichOptions } from './enrich/options.ts';
import type { Writer } from './exporter/writer.ts';
import { logBlock, spanBlock } from './exporter/rows.ts';
import { RateLimited, type RateLimiter } from './server/rate-limit.ts';
import type { Metrics } from './telemetry/metrics.ts';

export interface Outcome {
  accepted: number;
  rejected: number;
  /** Why items were rejected, for OTLP partial success; empty when none were. */
  message: string;
}

/**
 * receiver → decode → **enrich → serialise → writer**. Every receiver hands its decoded items here and
 * answers its client only after `accept*` resolves (the rows are fsynced in the write-ahead log or, with `SEAM_ACK=store`, in ClickHouse).
 */
export class Pipeline {
  private readonly received;
  private readonly accepted;
  private readonly rejected;
  private readonly truncated;

  constructor(
    private readonly writer: Writer,
    private readonly enrich: EnrichOptions,
    metrics: Metrics,
    private readonly limiter: RateLimiter,
  ) {
    this.received = metrics.counter('seam_receiver_items_received_total', 'Spans and log records received');
    this.accepted = metrics.counter('seam_receiver_items_accepted_total', 'Spans and log records acknowledged after being written');
    this.rejected = metrics.counter('seam_receiver_items_rejected_total', 'Spans and log records refused (malformed or over a limit)');
    this.truncated = metrics.counter('seam_receiver_values_truncated_total', 'Attribute values, keys, events or links cut at a limit');
  }

  /** `client` is the rate-limit key of the sender (see `clientKey`). */
  async acceptSpans(receiver: string, decoded: Decoded<Span>, stats: AttributeStats, client: string): Promise<Outcome> {
    this.admit(receiver, 'spans', client, decoded);
    const block = spanBlock();
    for (const span of decoded.items) block.add(enrichSpan(span, this.enrich));
    return this.accept(receiver, 'otel_traces', block.encode(), block.rows, decoded, stats);
  }

  async acceptLogs(receiver: string, decoded: Decoded<LogRecord>, stats: AttributeStats, client: string): Promise<Outcome> {
    this.admit(receiver, 'logs', client, decoded);
    const block = logBlock();
    for (const log of decoded.items) block.add(enrichLog(log, this.enrich));
    return this.accept(receiver, 'otel_logs', block.encode(), block.rows, decoded, stats);
  }

  // Before enrichment, so a client over its limit costs as little as possible.
  private admit(receiver: string, signal: 'spans' | 'logs', client: string, decoded: Decoded<unknown>): void {
    try {
      this.limiter.take(client, decoded.items.length);
    } catch (error) {
      if (error instanceof RateLimited) this.rejected({ receiver, signal, reason: 'rate_limited' }, decoded.items.length + decoded.rejected);
      throw error;
    }
  }

  /** Counts a request refused as a whole (malformed, too large, unauthenticated). */
  refused(receiver: string, signal: 'spans' | 'logs'): void {
    this.rejected({ receiver, signal, reason: 'request' });
  }

  private async accept(receiver: string, table: 'otel_traces' | 'otel_logs', body: Buffer, rows: number, decoded: Decoded<unknown>, stats: AttributeStats): Promise<Outcome> {
    const signal = table === 'otel_traces' ? 'spans' : 'logs';
    this.received({ receiver, signal }, rows + decoded.rejected);
    if (decoded.rejected > 0) this.rejected({ receiver, signal, reason: 'item' }, decoded.rejected);
    if (stats.truncated > 0) this.truncated({ receiver, signal }, stats.truncated);
    await this.writer.write(table, body, rows);
    this.accepted({ receiver, signal }, rows);
    return {
      accepted: rows,
      rejected: decoded.rejected,
      message: decoded.rejected > 0 ? `${decoded.rejected} rejected: ${decoded.rejectReasons.join('; ')}` : '',
    };
  }
}
