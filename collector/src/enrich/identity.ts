import type { Attributes } from '../model/span.ts';
import type { Layer } from './layer.ts';
import type { EnrichOptions } from './options.ts';

export interface Identity {
  subject: string;
  issuer: string;
  groups: string[];
  keyId: string;
  mappingVersion: string;
}

/** The caller as this span saw it: the edge's verified claims, or the mesh's claim tags. */
export function readIdentity(attributes: Attributes, layer: Layer, options: EnrichOptions): Identity {
  const subject = layer === 'edge' ? (attributes['enduser.id'] ?? '') : firstOf(attributes, options.claimTags);
  return {
    subject,
    issuer: attributes['seam.auth.issuer'] ?? attributes['enduser.issuer'] ?? '',
    groups: parseList(firstOf(attributes, options.groupTags)),
    keyId: attributes['seam.auth.kid'] ?? '',
    mappingVersion: attributes['seam.mapping.version'] ?? '',
  };
}

export function firstOf(attributes: Attributes, keys: string[]): string {
  for (const key of keys) {
    const value = attributes[key];
    if (value !== undefined && value !== '' && value !== '-') return value;
  }
  return '';
}

/** Groups arrive as an OTLP string array (flattened to JSON) or as a comma-separated header value. */
export function parseList(value: string): string[] {
  if (value === '') return [];
  if (value.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed)) return parsed.map(String).filter((g) => g !== '');
    } catch {
      // not JSON after all: fall through to the comma-separated reading
    }
  }
  return value
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '');
}
