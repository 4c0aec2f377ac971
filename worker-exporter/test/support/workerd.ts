import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import type { Readable } from 'node:stream';
import { workerdBuildOptions } from '../../example/build.mjs';

// Accepted by miniflare 4.20260730.0's workerd (which refuses dates after 2026-08-06).
export const COMPATIBILITY_DATE = '2026-07-01';

/** Bundles a Worker entry the way the example's build script does, for workerd. */
export async function bundleWorker(entry: string): Promise<string> {
  const out = await build({ ...workerdBuildOptions, entryPoints: [entry], write: false, logLevel: 'warning' });
  return out.outputFiles[0]!.text;
}

export interface WorkerOptions {
  script: string;
  bindings: Record<string, string>;
  kvNamespaces?: string[];
  kvPersist?: string;
  nodejsCompat?: boolean;
  /** Receives what the Worker logs (console.error goes to stderr). */
  onLog?: (line: string) => void;
}

export function startWorkerd(o: WorkerOptions): Miniflare {
  return new Miniflare({
    modules: true,
    script: o.script,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: o.nodejsCompat ? ['nodejs_compat'] : [],
    bindings: o.bindings,
    kvNamespaces: o.kvNamespaces ?? [],
    ...(o.kvPersist ? { kvPersist: o.kvPersist } : {}),
    ...(o.onLog ? { handleRuntimeStdio: (stdout: Readable, stderr: Readable) => [stdout, stderr].forEach((s) => s.on('data', (chunk) => o.onLog!(String(chunk)))) } : {}),
    // Without this miniflare would download request.cf data from the Internet.
    cf: { colo: 'FRA', country: 'DE', asn: 13335, httpProtocol: 'HTTP/2' },
  });
}
