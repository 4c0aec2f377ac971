import { otlpJsonToProtobuf } from '../helpers/fixtures.ts';
import { generateTraffic, type Batch } from './traffic.ts';

/**
 * `npm run demo`: sends generated edge and mesh traffic to a running collector, one round of 200
 * requests every few seconds with current timestamps, so dashboards fill with live data. Stops after
 * SEAM_DEMO_ROUNDS rounds (default: until interrupted).
 */
const otlp = process.env.SEAM_DEMO_OTLP_HTTP ?? 'http://127.0.0.1:4318';
const zipkin = process.env.SEAM_DEMO_ZIPKIN ?? 'http://127.0.0.1:9411';
const rounds = Number(process.env.SEAM_DEMO_ROUNDS ?? Infinity);
const token = process.env.SEAM_DEMO_TOKEN;

async function send(batch: Batch): Promise<number> {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const target =
    batch.receiver === 'zipkin'
      ? { url: `${zipkin}/api/v2/spans`, type: 'application/json', body: batch.body as string | Uint8Array }
      : batch.receiver === 'logs'
        ? { url: `${otlp}/v1/logs`, type: 'application/json', body: batch.body }
        : batch.receiver === 'otlp-proto'
          ? { url: `${otlp}/v1/traces`, type: 'application/x-protobuf', body: otlpJsonToProtobuf(batch.body, 'traces') }
          : { url: `${otlp}/v1/traces`, type: 'application/json', body: batch.body };
  const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': target.type, ...auth }, body: target.body });
  await response.arrayBuffer();
  return response.status;
}

for (let round = 0; round < rounds; round++) {
  const { batches, truth } = generateTraffic({ requests: 200, seed: round + 1, startMs: Date.now() - 10_000, perBatch: 20 });
  const statuses = await Promise.all(batches.map((batch) => send(batch).catch(() => 0)));
  const failed = statuses.filter((status) => status < 200 || status >= 300).length;
  process.stderr.write(`demo round ${round + 1}: ${truth.edgeRequests} edge and ${truth.meshRequests} mesh requests, ${batches.length - failed}/${batches.length} batches accepted\n`);
  await new Promise((resolve) => setTimeout(resolve, 5_000));
}
