/**
 * Load generator, run as its own process so that building and sending requests does not share a CPU
 * budget with the collector's event loop. Reads length-prefixed bodies from a file and POSTs them over
 * loopback keep-alive connections, either as fast as `--concurrency` allows (closed loop) or at a fixed
 * `--rate` of requests per second (open loop, so latency is not hidden by waiting for the previous answer).
 * Prints one JSON line: counts, elapsed time and the per-request ack latencies.
 */
import { readFileSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    'content-type': { type: 'string' },
    bodies: { type: 'string' },
    requests: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    rate: { type: 'string', default: '0' },
  },
});
const url = new URL(values.url!);
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
const rate = Number(values.rate);

const file = readFileSync(values.bodies!);
const bodies: Buffer[] = [];
for (let at = 0; at < file.length; ) {
  const length = file.readUInt32LE(at);
  bodies.push(file.subarray(at + 4, at + 4 + length));
  at += 4 + length;
}

const agent = new Agent({ keepAlive: true, maxSockets: Math.max(concurrency, 64) });
function post(body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': values['content-type'], 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

const latencies: number[] = [];
const statuses: Record<string, number> = {};
let next = 0;
async function one(): Promise<void> {
  const body = bodies[next++ % bodies.length]!;
  const started = performance.now();
  const status = await post(body);
  latencies.push(performance.now() - started);
  statuses[status] = (statuses[status] ?? 0) + 1;
}

const began = performance.now();
if (rate > 0) {
  // Open loop: request i leaves at began + i/rate whatever happened to the earlier ones.
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = began + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inflight.push(one());
  }
  await Promise.all(inflight);
} else {
  const workers = Array.from({ length: concurrency }, async () => {
    while (next < total) await one();
  });
  await Promise.all(workers);
}
const elapsedMs = performance.now() - began;
agent.destroy();
process.stdout.write(`${JSON.stringify({ requests: total, statuses, elapsedMs, latencies })}\n`);
