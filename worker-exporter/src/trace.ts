// `@seam/worker-exporter/trace`: tracing only, for Workers that authenticate nobody. The code for
// tokens, claim mapping, route policy and the identity assertion (jose among it) stays out of the
// bundle, which is then less than half the size.
import type { EdgeAuthResolver } from './identity/edge-auth.ts';
import { instrumentWith } from './instrument-with.ts';
import { InvalidDocumentError } from './lib/invalid.ts';

const refuseEdgeAuth: EdgeAuthResolver = async (config) => {
  const configured = (['auth', 'mapping', 'routePolicy', 'assertion'] as const).filter((name) => config[name] !== undefined);
  if (configured.length > 0) {
    throw new InvalidDocumentError(
      `Seam config: '@seam/worker-exporter/trace' only traces and cannot use ${configured.join(', ')}; import { instrument } from '@seam/worker-exporter' instead`,
    );
  }
  return undefined;
};

/** `instrument` from `@seam/worker-exporter` without caller authentication: a config with `auth`, `mapping`, `routePolicy` or `assertion` is refused. */
export const instrument = instrumentWith(refuseEdgeAuth);
export type { SeamConfig, SpanExporterLike } from './config.ts';
export { edgeContext, type EdgeContext } from './context/edge.ts';
export { OTLPHttpJsonExporter, ExportResultCode, type ExportResult, type ExporterStats, type OTLPExporterOptions } from './export/exporter.ts';
export { droppedSpans } from './export/stats.ts';
export { encodeOtlpJson, type ExportableSpan } from './export/otlp-json.ts';
export type { KVStore, WaitUntilContext } from './lib/runtime.ts';
