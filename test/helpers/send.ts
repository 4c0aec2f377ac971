import type { Batch } from '../generator/traffic.ts';
import { otlpJsonToProtobuf } from './fixtures.ts';
import type { TestCollector } from './collector.ts';

/** Posts generated batches through the real receivers, `concurrency` at a time; throws on any non-2xx. */
export async function sendBatches(collector: TestCollector, batches: Batch[], concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const response = await post(collector, batch);
      if (response.status >= 300) throw new Error(`${batch.receiver} answered ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function post(collector: TestCollector, batch: Batch): Promise<Response> {
  switch (batch.receiver) {
    case 'zipkin':
      return fetch(collector.url('zipkin', '/api/v2/spans'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: batch.body });
    case 'otlp-proto':
      return fetch(collector.url('otlpHttp', '/v1/traces'), { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: otlpJsonToProtobuf(batch.body, 'traces') });
    case 'otlp-json':
      return fetch(collector.url('otlpHttp', '/v1/traces'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: batch.body });
    case 'logs':
      return fetch(collector.url('otlpHttp', '/v1/logs'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: batch.body });
  }
}
