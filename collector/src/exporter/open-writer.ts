import type { Store } from '../store/open.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { BatchWriter } from './batch-writer.ts';
import { LogWriter } from './log-writer.ts';
import { WriteAheadLog } from './write-ahead-log.ts';
import type { AckMode, Writer, WriterOptions } from './writer.ts';

const segmentMaxBytes = 64 * 1024 * 1024;
const residentMaxBytes = 256 * 1024 * 1024;

/** Opens the write-ahead log in `dir` (replaying what an earlier run left) and the writer `ack` asks for. */
export async function openWriter(store: Store, ack: AckMode, options: WriterOptions, dir: string, metrics: Metrics, log: (line: string) => void): Promise<Writer> {
  const observeFsync = metrics.histogram('seam_wal_fsync_seconds', 'Write-ahead log group commit: fsync latency', [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);
  const { log: wal, recovered } = await WriteAheadLog.open(dir, {
    maxBytes: options.spoolMaxBytes,
    segmentBytes: Math.min(segmentMaxBytes, Math.max(1024 * 1024, Math.floor(options.spoolMaxBytes / 16))),
    residentBytes: Math.min(residentMaxBytes, options.spoolMaxBytes),
    observeFsync,
  });
  if (recovered.batches > 0) log(`write-ahead log: storing ${recovered.rows} rows in ${recovered.batches} batches left by the previous run`);
  if (recovered.truncatedBytes > 0) log(`write-ahead log: cut ${recovered.truncatedBytes} bytes of an unfinished write (never acknowledged)`);
  metrics.gauge('seam_wal_bytes', 'Bytes of the write-ahead log', () => wal.bytes);
  metrics.gauge('seam_wal_batches', 'Batches in the write-ahead log not yet in ClickHouse', () => wal.pendingBatches);
  metrics.gauge('seam_wal_rows', 'Rows in the write-ahead log not yet in ClickHouse', () => wal.pendingRows);
  metrics.gauge('seam_wal_oldest_unstored_seconds', 'Age of the oldest row in the write-ahead log not yet in ClickHouse', () => {
    const oldest = wal.oldest();
    return oldest ? (Date.now() - oldest.appendedAt) / 1000 : 0;
  });
  return ack === 'wal' ? new LogWriter(store, options, metrics, wal, log) : new BatchWriter(store, options, metrics, wal, log);
}
