import { emptyAttributes, type Attributes } from '../model/span.ts';
import { RejectedItem, type DecodeLimits } from './limits.ts';

/**
 * An OTLP AnyValue as decoded from protobuf (protobufjs message) or parsed from OTLP/JSON: both use the
 * lowerCamelCase field names, and only the field that is set is an own property.
 */
type AnyValueLike = Record<string, unknown>;
type KeyValueLike = { key?: unknown; value?: unknown };

export interface AttributeStats {
  truncated: number;
}

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

/**
 * Flattens OTLP key/values to strings: scalars as text, arrays and maps as JSON, bytes as base64. Each
 * key is appended to `keys` the first time it is added.
 */
export function flattenAttributes(list: unknown, limits: DecodeLimits, stats: AttributeStats, keys: string[] = []): Attributes {
  const into = emptyAttributes();
  if (list === undefined || list === null) return into;
  if (!Array.isArray(list)) throw new RejectedItem('attributes must be a list of key/value pairs');
  for (const entry of list as KeyValueLike[]) {
    if (entry === null || typeof entry !== 'object') throw new RejectedItem('an attribute is not a key/value object');
    const key = typeof entry.key === 'string' ? entry.key : '';
    if (admitsKey(keys, key, limits, stats)) setAttribute(into, keys, key, attributeValueText(entry.value, limits), limits, stats);
  }
  return into;
}

/** Whether an attribute named `key` is kept: it has a name, and the record is not yet full. */
export function admitsKey(keys: string[], key: string, limits: DecodeLimits, stats: AttributeStats): boolean {
  if (key === '') return false;
  if (keys.length < limits.maxAttributesPerSpan) return true;
  stats.truncated++;
  return false;
}

/** Sets an admitted attribute, key and value cut to their limits; a repeated key keeps its first place. */
export function setAttribute(into: Attributes, keys: string[], key: string, text: string, limits: DecodeLimits, stats: AttributeStats): void {
  if (key.length > limits.maxAttributeKeyLength) {
    key = key.slice(0, limits.maxAttributeKeyLength);
    stats.truncated++;
  }
  if (text.length > limits.maxAttributeValueLength) {
    text = text.slice(0, limits.maxAttributeValueLength);
    stats.truncated++;
  }
  if (into[key] === undefined) keys.push(key);
  into[key] = text;
}

/** An AnyValue's text. Most values are strings: they are read without the general walk. */
export function attributeValueText(value: unknown, limits: DecodeLimits): string {
  // Only an empty string may be a protobufjs message's prototype default rather than the field the sender set.
  const v = value as AnyValueLike | null | undefined;
  const direct = v !== null && typeof v === 'object' ? v.stringValue : undefined;
  return typeof direct === 'string' && (direct !== '' || hasOwn(v!, 'stringValue')) ? direct : anyValueToText(value, limits, 0);
}

export function anyValueToText(value: unknown, limits: DecodeLimits, depth: number): string {
  const plain = anyValueToPlain(value, limits, depth);
  return typeof plain === 'string' ? plain : JSON.stringify(plain);
}

type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

function anyValueToPlain(value: unknown, limits: DecodeLimits, depth: number): Plain {
  if (depth > limits.maxAnyValueDepth) {
    throw new RejectedItem(`an attribute value nests deeper than ${limits.maxAnyValueDepth} levels`);
  }
  if (value === undefined || value === null || typeof value !== 'object') return '';
  const v = value as AnyValueLike;
  if (hasOwn(v, 'stringValue')) return String(v.stringValue);
  if (hasOwn(v, 'boolValue')) return String(v.boolValue === true || v.boolValue === 'true');
  if (hasOwn(v, 'intValue')) return integerText(v.intValue);
  if (hasOwn(v, 'doubleValue')) return String(Number(v.doubleValue));
  if (hasOwn(v, 'bytesValue')) {
    const bytes = v.bytesValue;
    return bytes instanceof Uint8Array ? Buffer.from(bytes).toString('base64') : String(bytes);
  }
  if (hasOwn(v, 'arrayValue')) {
    const values = (v.arrayValue as { values?: unknown } | null)?.values;
    if (values === undefined) return [];
    if (!Array.isArray(values)) throw new RejectedItem('arrayValue.values must be a list');
    return values.map((item) => anyValueToPlain(item, limits, depth + 1));
  }
  if (hasOwn(v, 'kvlistValue')) {
    const values = (v.kvlistValue as { values?: unknown } | null)?.values;
    // No prototype: an entry named __proto__ is a member like any other.
    const out = Object.create(null) as Record<string, Plain>;
    if (values === undefined) return out;
    if (!Array.isArray(values)) throw new RejectedItem('kvlistValue.values must be a list');
    for (const entry of values as KeyValueLike[]) {
      if (entry && typeof entry.key === 'string') out[entry.key] = anyValueToPlain(entry.value, limits, depth + 1);
    }
    return out;
  }
  return '';
}

function integerText(value: unknown): string {
  if (typeof value === 'string') {
    if (!/^-?\d+$/.test(value)) throw new RejectedItem(`intValue "${value.slice(0, 40)}" is not an integer`);
    return value;
  }
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Math.trunc(value));
  // protobufjs Long
  return String(value);
}
