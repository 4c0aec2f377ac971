export { instrument } from './instrument.ts';
export type { SeamConfig, SpanExporterLike } from './config.ts';
export { edgeContext, type EdgeContext } from './context/edge.ts';
export type { EdgeDecision } from './identity/decide.ts';
export type { AuthFailure } from './identity/verify.ts';
export {
  OTLPHttpJsonExporter,
  ExportResultCode,
  type ExportResult,
  type ExporterStats,
  type OTLPExporterOptions,
} from './export/exporter.ts';
export { droppedSpans } from './export/stats.ts';
export { encodeOtlpJson, type ExportableSpan } from './export/otlp-json.ts';
export { rotateSigningKeys } from './assertion/rotate.ts';
export { loadSigningKeys, SIGNING_KEYS_KV_KEY, type StoredSigningKey } from './assertion/keys.ts';
export { publicJwks } from './assertion/jwks.ts';
export type { KVStore, WaitUntilContext } from './lib/runtime.ts';
export * from './rules.ts';
