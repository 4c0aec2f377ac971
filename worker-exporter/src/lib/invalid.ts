/** A configuration document that does not follow its documented shape; the message names the field and the fix. */
export class InvalidDocumentError extends Error {
  override name = 'InvalidDocumentError';
}

export function parseJsonDocument(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidDocumentError(`${what} is not valid JSON (${(e as Error).message}); check the variable's value`);
  }
}

export function checkKeys(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new InvalidDocumentError(`${where} has unknown field "${key}"; allowed fields are ${allowed.join(', ')}`);
    }
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringArray(value: unknown, where: string, pattern?: RegExp): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v.length > 0)) {
    throw new InvalidDocumentError(`${where} must be a non-empty array of non-empty strings`);
  }
  if (pattern) {
    const bad = value.find((v) => !pattern.test(v));
    if (bad !== undefined) throw new InvalidDocumentError(`${where} contains "${bad}", which does not match ${pattern}`);
  }
  return value;
}
