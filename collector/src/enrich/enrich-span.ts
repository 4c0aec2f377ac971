import type { Span } from '../model/span.ts';
import { readDecision, type Decision } from './decision.ts';
import { readIdentity, type Identity } from './identity.ts';
import { readJoinKeys, type JoinKeys } from './join-keys.ts';
import { classifyLayer, type Layer } from './layer.ts';
import type { EnrichOptions } from './options.ts';
import { redactAttributes, redactText } from './redact.ts';

export interface EnrichedSpan {
  span: Span;
  layer: Layer;
  identity: Identity;
  decision: Decision;
  join: JoinKeys;
  httpStatus: number;
}

// Decoders hand every span of a resource the same resource object: it is redacted once.
const redactedResources = new WeakSet<object>();

/** Redacts, then derives layer, identity, decision and join keys from the span alone. */
export function enrichSpan(span: Span, options: EnrichOptions): EnrichedSpan {
  redactAttributes(span.attributes, options.redactKeys, span.attributeKeys);
  if (!redactedResources.has(span.resource)) {
    redactAttributes(span.resource, options.redactKeys);
    redactedResources.add(span.resource);
  }
  span.statusMessage = redactText(span.statusMessage);
  for (const event of span.events) redactAttributes(event.attributes, options.redactKeys);
  for (const link of span.links) redactAttributes(link.attributes, options.redactKeys);
  const layer = classifyLayer(span, options);
  const status = Number(span.attributes['http.status_code'] ?? span.attributes['http.response.status_code'] ?? 0);
  return {
    span,
    layer,
    identity: readIdentity(span.attributes, layer, options),
    decision: readDecision(span, layer, options),
    join: readJoinKeys(span, layer, options),
    httpStatus: Number.isInteger(status) && status > 0 && status < 65536 ? status : 0,
  };
}
