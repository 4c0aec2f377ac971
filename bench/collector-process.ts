/**
 * A real Seam collector in its own process, so its CPU and peak RSS are its own and not the harness's.
 * Protocol: prints one JSON line `{"ports":…}` when listening; then reads JSON lines `{"id","sql"}` on
 * stdin and answers `{"id","rows"}` (the harness cannot open this process's embedded store itself:
 * chdb allows one data directory per process). `{"id","storeDown":true|false}` makes every insert fail
 * as a ClickHouse that cannot be reached would, or ends that, and `{"id","caughtUp":true}` answers once
 * everything acknowledged is stored. Closing stdin stops it after a final `{"peakRssBytes"}`.
 * Settings come from the environment (`SEAM_ACK`, …) and the optional config file.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadConfig } from '../collector/src/config/load.ts';
import { startCollector } from '../collector/src/server/collector.ts';

const [dataDir, configFile] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: collector-process.ts <dataDir> [config file]');

const ports = { SEAM_OTLP_HTTP_PORT: '0', SEAM_OTLP_GRPC_PORT: '0', SEAM_ZIPKIN_PORT: '0', SEAM_API_PORT: '0' };
const config = loadConfig({ ...process.env, SEAM_DATA_DIR: dataDir, ...ports }, configFile);
let storeDown = false;
const collector = await startCollector(config, () => {}, {
  wrapStore: (store) => ({
    ...store,
    async insertRows(...args) {
      if (storeDown) throw new Error('connect ECONNREFUSED (the harness has taken the store away)');
      return store.insertRows(...args);
    },
  }),
});
const send = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
send({ ports: collector.ports });

/** VmHWM: the largest resident set the process has had, which covers the engine's native memory too. */
function peakRssBytes(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

for await (const line of createInterface({ input: process.stdin })) {
  const { id, sql, storeDown: down, caughtUp } = JSON.parse(line) as { id: number; sql?: string; storeDown?: boolean; caughtUp?: boolean };
  if (down !== undefined || caughtUp) {
    if (down !== undefined) storeDown = down;
    if (caughtUp) await collector.writer.caughtUp();
    send({ id, rows: [] });
    continue;
  }
  try {
    const result = await collector.store.client.query({ query: sql!, format: 'JSONEachRow' });
    send({ id, rows: await result.json() });
  } catch (error) {
    send({ id, error: (error as Error).message });
  }
}
send({ peakRssBytes: peakRssBytes(), cpu: process.cpuUsage() });
await collector.close();
process.exit(0);
