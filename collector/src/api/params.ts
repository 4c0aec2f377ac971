import { ApiError } from './errors.ts';

/** Query-string schema fragments shared by the list routes. */
export const timeSchema = {
  type: 'string',
  description: 'RFC 3339 time (e.g. 2026-03-14T10:16:02.555Z) or epoch milliseconds',
  pattern: '^(\\d{1,15}|\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2}))$',
} as const;
export const limitSchema = { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'rows per page (at most 1000)' } as const;
export const cursorSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,1024}$', description: 'nextCursor of the previous page' } as const;
export const traceIdSchema = { type: 'string', pattern: '^[0-9a-fA-F]{32}$', description: '32 hex digits' } as const;
export const subjectSchema = { type: 'string', minLength: 1, maxLength: 512 } as const;
export const serviceSchema = { type: 'string', minLength: 1, maxLength: 256 } as const;
export const windowProperties = { from: timeSchema, to: timeSchema } as const;
export const pageProperties = { limit: limitSchema, cursor: cursorSchema } as const;

export const layers = ['edge', 'gateway', 'sidecar', 'app'] as const;
export const decisions = ['allow', 'deny'] as const;
export const mismatchKinds = ['edge_allow_mesh_deny', 'edge_deny_mesh_reached', 'mesh_without_edge', 'identity_mismatch', 'broken_propagation', 'stale_key'] as const;
export const linkMethods = ['trace_id', 'cf_ray', 'request_id', 'identity_time'] as const;

const dayNs = 86_400_000_000_000n;

/** A time window as epoch nanoseconds (decimal strings: ClickHouse Int64 parameters). */
export interface Window {
  fromNs: string;
  toNs: string;
}

/** The sort key of the last row a page returned: time, then two tie-breakers. */
export interface Cursor {
  ns: string;
  k1: string;
  k2: string;
}

export interface Page {
  limit: number;
  after: Cursor | null;
}

/** `to` defaults to now and `from` to 24 h before `to`, so an unqualified request reads the last day. */
export function parseWindow(query: { from?: string; to?: string }, now: () => bigint = nowNs): Window {
  const to = query.to === undefined ? now() : parseTime(query.to, 'to');
  const from = query.from === undefined ? to - dayNs : parseTime(query.from, 'from');
  if (from > to) throw new ApiError(400, 'invalid_request', `from (${query.from}) is after to (${query.to ?? 'now'}); swap them or widen the window`);
  return { fromNs: from.toString(), toNs: to.toString() };
}

export function parsePage(query: { limit?: number; cursor?: string }): Page {
  return { limit: query.limit ?? 100, after: query.cursor === undefined ? null : decodeCursor(query.cursor) };
}

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** Epoch milliseconds, or RFC 3339 kept to the nanosecond (Date alone would drop sub-milliseconds). */
export function parseTime(value: string, name: string): bigint {
  if (/^\d+$/.test(value)) return BigInt(value) * 1_000_000n;
  const match = /^(.{19})(?:\.(\d{1,9}))?(.*)$/.exec(value.replace(/[t ]/, 'T').toUpperCase());
  const seconds = match ? Date.parse(`${match[1]}${match[3]}`) : Number.NaN;
  if (!match || Number.isNaN(seconds) || !sameCalendarDate(match[1]!, match[3]!, seconds)) {
    throw new ApiError(400, 'invalid_request', `${name}=${value} is not a valid time; use RFC 3339 (2026-03-14T10:16:02Z) or epoch milliseconds`);
  }
  return BigInt(seconds) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

// Date.parse rolls 2026-02-30 over to March; a time that does not round-trip is a typo to report.
function sameCalendarDate(local: string, zone: string, epochMs: number): boolean {
  const offsetMinutes = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const shifted = new Date(epochMs + offsetMinutes * 60_000).toISOString().slice(0, 19);
  return shifted === local;
}

/** RFC 3339 in UTC with all nine fraction digits, from epoch nanoseconds. */
export function formatNs(ns: string): string {
  const value = BigInt(ns);
  const seconds = value / 1_000_000_000n;
  const fraction = (value % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.ns, cursor.k1, cursor.k2])).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 3 && parsed.every((part) => typeof part === 'string')) {
      const [ns, k1, k2] = parsed as [string, string, string];
      if (/^\d{1,19}$/.test(ns)) return { ns, k1, k2 };
    }
  } catch {
    // reported below, as for any other cursor this server did not issue
  }
  throw new ApiError(400, 'invalid_cursor', 'cursor is not one this API issued; pass nextCursor from the previous page unchanged, or omit it to start over');
}

/** ClickHouse parameters of a window and a page, as the `queries/api` files name them. */
export function windowParams(window: Window): Record<string, string> {
  return { fromNs: window.fromNs, toNs: window.toNs };
}

export function pageParams(page: Page): Record<string, string | number> {
  return {
    limit: page.limit + 1,
    hasCursor: page.after ? 1 : 0,
    cursorNs: page.after?.ns ?? '0',
    cursorK1: page.after?.k1 ?? '',
    cursorK2: page.after?.k2 ?? '',
  };
}

/** Cuts the look-ahead row a query fetched beyond the limit, and turns the last kept row into the next cursor. */
export function paginate<T>(rows: T[], page: Page, keyOf: (row: T) => Cursor): { rows: T[]; nextCursor: string | null } {
  if (rows.length <= page.limit) return { rows, nextCursor: null };
  const kept = rows.slice(0, page.limit);
  return { rows: kept, nextCursor: encodeCursor(keyOf(kept.at(-1)!)) };
}
