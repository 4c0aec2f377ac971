import { backlogRetryAfterSeconds, QueueFull, type Writer } from './exporter/writer.ts';
import type { PreparePool } from './ingest/prepare-pool.ts';
import type { RawRequest } from './ingest/prepare.ts';
import { RateLimited, type RateLimiter } from './server/rate-limit.ts';
import type { Metrics } from './telemetry/metrics.ts';

export interface Outcome {
  accepted: number;
  rejected: number;
  /** Why items were rejected, for OTLP partial success; empty when none were. */
  message: string;
}

/**
 * receiver → **decode → enrich → serialise (a prepare thread) → write-ahead log**. Every receiver hands
 * its request body here and answers its client only after `accept` resolves: the rows are fsynced in the
 * write-ahead log (or, with `SEAM_ACK=store`, in ClickHouse).
 */
export class Pipeline {
  private readonly received;
  private readonly accepted;
  private readonly rejected;
  private readonly truncated;

  constructor(
    private readonly writer: Writer,
    private readonly pool: PreparePool,
    metrics: Metrics,
    private readonly limiter: RateLimiter,
  ) {
    this.received = metrics.counter('seam_receiver_items_received_total', 'Spans and log records received');
    this.accepted = metrics.counter('seam_receiver_items_accepted_total', 'Spans and log records acknowledged after being written');
    this.rejected = metrics.counter('seam_receiver_items_rejected_total', 'Spans and log records refused (malformed or over a limit)');
    this.truncated = metrics.counter('seam_receiver_values_truncated_total', 'Attribute values, keys, events or links cut at a limit');
  }

  /** `client` is the rate-limit key of the sender (see `clientKey`). */
  async accept(receiver: string, request: RawRequest, client: string): Promise<Outcome> {
    const { signal } = request;
    // A request the log would refuse is turned away before it is prepared: under overload, preparing
    // requests only to refuse them took the cores the store needed to drain the log.
    const over = this.writer.overLimit();
    if (over !== undefined) throw new QueueFull(backlogRetryAfterSeconds, `${over}; retry later`);
    const prepared = await this.pool.prepare(request);
    // Charged once the request's items are counted; the decoding it cost was spent off the main thread.
    this.admit(receiver, signal, client, prepared.rows + prepared.rejected);
    this.received({ receiver, signal }, prepared.rows + prepared.rejected);
    if (prepared.rejected > 0) this.rejected({ receiver, signal, reason: 'item' }, prepared.rejected);
    if (prepared.truncated > 0) this.truncated({ receiver, signal }, prepared.truncated);
    const block = prepared.block;
    await this.writer.write(prepared.table, Buffer.from(block.buffer, block.byteOffset, block.byteLength), prepared.rows);
    this.accepted({ receiver, signal }, prepared.rows);
    return {
      accepted: prepared.rows,
      rejected: prepared.rejected,
      message: prepared.rejected > 0 ? `${prepared.rejected} rejected: ${prepared.rejectReasons.join('; ')}` : '',
    };
  }

  private admit(receiver: string, signal: 'spans' | 'logs', client: string, items: number): void {
    try {
      this.limiter.take(client, items);
    } catch (error) {
      if (error instanceof RateLimited) this.rejected({ receiver, signal, reason: 'rate_limited' }, items);
      throw error;
    }
  }

  /** Counts a request refused as a whole (malformed, too large, unauthenticated). */
  refused(receiver: string, signal: 'spans' | 'logs'): void {
    this.rejected({ receiver, signal, reason: 'request' });
  }
}
