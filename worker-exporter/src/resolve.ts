import type { Attributes } from '@opentelemetry/api';
import type { SeamConfig, SpanExporterLike } from './config.ts';
import { SpanBatch } from './export/batch.ts';
import { OTLPHttpJsonExporter, type OTLPExporterOptions } from './export/exporter.ts';
import type { EdgeAuth, EdgeAuthResolver } from './identity/edge-auth.ts';
import { InvalidDocumentError } from './lib/invalid.ts';
import type { PropagationFormat } from './trace/request-trace.ts';

export const SDK_NAME = '@seam/worker-exporter';
export const SDK_VERSION = '0.1.0';

export interface ResolvedConfig {
  resource: { attributes: Attributes };
  /** Where each kept request's spans go: batched across the isolate's requests, then to the exporter. */
  batch: SpanBatch | undefined;
  ratio: number;
  slowMs: number;
  /** Undefined without `auth`, or in the tracing-only build. */
  edgeAuth: EdgeAuth | undefined;
  meshUrls: string[];
  requestIdHeader: string;
  formats: PropagationFormat[];
  propagateEverywhere: boolean;
}

// One exporter per distinct exporter configuration for the isolate's lifetime, so its retry
// queue bound and dropped-span counter cover every request, not just one.
const exporters = new Map<string, OTLPHttpJsonExporter>();

/** Checks a config and fills in defaults; errors name the setting and what to change. */
export async function resolveConfig(config: SeamConfig, fetchImpl: typeof fetch, resolveEdgeAuth: EdgeAuthResolver): Promise<ResolvedConfig> {
  if (!config?.service?.name) throw new InvalidDocumentError('Seam config: service.name is required (it becomes the resource attribute service.name)');
  const ratio = config.sampling?.ratio ?? 1;
  if (!(ratio >= 0 && ratio <= 1)) throw new InvalidDocumentError(`Seam config: sampling.ratio must be between 0 and 1 (got ${ratio})`);
  for (const [name, value] of Object.entries(config.batch ?? {})) {
    if (!(Number.isFinite(value) && value >= 0)) throw new InvalidDocumentError(`Seam config: batch.${name} must be a number ≥ 0 (got ${String(value)})`);
  }
  const formats = config.propagation?.formats ?? ['tracecontext', 'b3multi'];
  const unknown = formats.find((f) => !['tracecontext', 'b3', 'b3multi'].includes(f));
  if (unknown) throw new InvalidDocumentError(`Seam config: propagation.formats has "${unknown}"; use "tracecontext", "b3" or "b3multi"`);
  for (const url of config.mesh?.urls ?? []) {
    try {
      new URL(url);
    } catch {
      throw new InvalidDocumentError(`Seam config: mesh.urls has "${url}", which is not an absolute URL`);
    }
  }
  return {
    resource: {
      attributes: {
        'service.name': config.service.name,
        ...(config.service.version ? { 'service.version': config.service.version } : {}),
        ...(config.service.namespace ? { 'service.namespace': config.service.namespace } : {}),
        'cloud.provider': 'cloudflare',
        'cloud.platform': 'cloudflare.workers',
        'telemetry.sdk.name': SDK_NAME,
        'telemetry.sdk.language': 'webjs',
        'telemetry.sdk.version': SDK_VERSION,
      },
    },
    batch: config.exporter
      ? new SpanBatch(exporterFor(config.exporter, fetchImpl), { delayMs: config.batch?.delayMs ?? 200, maxSpans: config.batch?.maxSpans ?? 512 })
      : undefined,
    ratio,
    slowMs: config.sampling?.slowMs ?? 1000,
    edgeAuth: await resolveEdgeAuth(config, fetchImpl),
    meshUrls: config.mesh?.urls ?? [],
    requestIdHeader: config.mesh?.requestIdHeader ?? 'x-request-id',
    formats,
    propagateEverywhere: config.propagation?.everywhere ?? false,
  };
}

function exporterFor(option: OTLPExporterOptions | SpanExporterLike, fetchImpl: typeof fetch): SpanExporterLike {
  if ('export' in option) return option;
  const key = JSON.stringify(option);
  let exporter = exporters.get(key);
  if (!exporter) {
    exporter = new OTLPHttpJsonExporter({ fetch: fetchImpl, ...option });
    exporters.set(key, exporter);
  }
  return exporter;
}
