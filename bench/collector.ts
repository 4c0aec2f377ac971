/**
 * The collector under test in its own process (bench/collector-process.ts), so its CPU and peak RSS
 * are its own, driven over the process's stdin/stdout protocol.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));

export interface CollectorProcess {
  ports: { otlpHttp: number; zipkin: number; api: number };
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Makes every insert fail, as an unreachable ClickHouse would, or ends that. */
  storeDown(down: boolean): Promise<void>;
  /** Resolves once everything the collector acknowledged is stored. */
  caughtUp(): Promise<void>;
  stop(): Promise<{ peakRssBytes: number; cpu: { user: number; system: number } }>;
}

export async function spawnCollector(dataDir: string, env: Record<string, string> = {}, configFile?: string): Promise<CollectorProcess> {
  const args = ['--conditions=@seam/source', '--import', 'tsx', join(benchDir, 'collector-process.ts'), dataDir, ...(configFile ? [configFile] : [])];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const waiting = new Map<number, (message: Record<string, unknown>) => void>();
  let onFirst: ((message: Record<string, unknown>) => void) | undefined;
  let onLast: ((message: Record<string, unknown>) => void) | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as Record<string, unknown>;
    if ('ports' in message) onFirst?.(message);
    else if ('peakRssBytes' in message) onLast?.(message);
    else waiting.get(message.id as number)?.(message);
  });
  const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`the collector process exited (${code})`))));
  const first = await Promise.race([new Promise<Record<string, unknown>>((resolve) => (onFirst = resolve)), exited]);
  let nextId = 0;
  const ask = <T>(request: Record<string, unknown>) => {
    const id = nextId++;
    return new Promise<T[]>((resolve, reject) => {
      waiting.set(id, (message) => {
        waiting.delete(id);
        if (message.error) reject(new Error(String(message.error)));
        else resolve(message.rows as T[]);
      });
      child.stdin!.write(`${JSON.stringify({ id, ...request })}\n`);
    });
  };
  return {
    ports: first.ports as CollectorProcess['ports'],
    query: <T>(sql: string) => ask<T>({ sql }),
    storeDown: async (down) => void (await ask({ storeDown: down })),
    caughtUp: async () => void (await ask({ caughtUp: true })),
    async stop() {
      const last = new Promise<Record<string, unknown>>((resolve) => (onLast = resolve));
      child.stdin!.end();
      return (await last) as unknown as Awaited<ReturnType<CollectorProcess['stop']>>;
    },
  };
}
