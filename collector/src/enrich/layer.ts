import type { Span } from '../model/span.ts';
import type { EnrichOptions } from './options.ts';

export type Layer = 'edge' | 'gateway' | 'sidecar' | 'app';

/**
 * Which part of the path a span comes from. Envoy tags every span it starts with `node_id`
 * (`router~…` for gateways, `sidecar~…` for sidecars) but not the router's upstream child span, which
 * only gateways spawn; so an Envoy span without `node_id` is a gateway's.
 */
export function classifyLayer(span: Span, options: EnrichOptions): Layer {
  if (isEdge(span)) return 'edge';
  const nodeId = span.attributes.node_id;
  if (nodeId !== undefined) {
    if (options.gatewayNodePrefixes.some((prefix) => nodeId.startsWith(prefix))) return 'gateway';
    if (options.sidecarNodePrefixes.some((prefix) => nodeId.startsWith(prefix))) return 'sidecar';
  }
  if (isEnvoy(span) && nodeId === undefined && span.name.startsWith('router ')) return 'gateway';
  return 'app';
}

export function isEnvoy(span: Span): boolean {
  return span.resource['telemetry.sdk.name'] === 'envoy' || span.attributes.component === 'proxy';
}

function isEdge(span: Span): boolean {
  const provider = span.resource['cloud.provider'];
  if (provider === 'cloudflare') return true;
  if (provider !== undefined) return false;
  return resourceIsEdge(span.resource) || hasEdgeKey(span.attributeKeys);
}

// Every span of a resource shares its attributes object, so the resource is looked at once.
const edgeResources = new WeakMap<object, boolean>();

function resourceIsEdge(resource: Record<string, string>): boolean {
  let edge = edgeResources.get(resource);
  if (edge === undefined) edgeResources.set(resource, (edge = hasEdgeKey(Object.keys(resource))));
  return edge;
}

const c = 'c'.charCodeAt(0);
const f = 'f'.charCodeAt(0);

function hasEdgeKey(keys: readonly string[]): boolean {
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const first = key.charCodeAt(0);
    if ((first === c && key.startsWith('cloudflare.')) || (first === f && key.startsWith('faas.'))) return true;
  }
  return false;
}

/**
 * The span that stands for the whole request at the edge: the worker exporter's SERVER span, or the
 * root span of Workers' built-in tracing, which carries `cloudflare.ray_id` and `faas.trigger` but
 * whose kind Cloudflare does not document.
 */
export function isEdgeRequest(span: Span, layer: Layer): boolean {
  if (layer !== 'edge' || span.kind === 'Client') return false;
  return span.kind === 'Server' || (span.parentSpanId === '' && (span.attributes['cloudflare.ray_id'] !== undefined || span.attributes['faas.trigger'] !== undefined));
}
