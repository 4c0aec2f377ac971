// How times, durations and windows read on the page. API times are RFC 3339 with nine fraction digits.

/** Epoch milliseconds with sub-millisecond precision kept as the fraction. */
export function epochMs(time: string): number {
  const match = /^(.{19})(?:\.(\d+))?Z$/.exec(time);
  if (!match) return Date.parse(time);
  return Date.parse(`${match[1]}Z`) + Number(`0.${match[2] ?? '0'}`) * 1000;
}

/** `2026-12-03 08:21:35.233` (UTC, as the API and the CLI print it). */
export function clock(time: string): string {
  return time.replace('T', ' ').replace(/(\.\d{3})\d*Z$/, '$1');
}

export function duration(ns: number): string {
  if (ns < 1_000) return `${ns} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 1 : 0)} µs`;
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toFixed(ns < 10_000_000 ? 1 : 0)} ms`;
  return `${(ns / 1_000_000_000).toFixed(2)} s`;
}

export function age(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  if (days > 0) return `${days} d ${hours} h`;
  const minutes = Math.floor((seconds % 3600) / 60);
  return hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min`;
}

export const windows = { '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
export type WindowName = keyof typeof windows;

export function windowName(value: string | null | undefined, fallback: WindowName): WindowName {
  return value && value in windows ? (value as WindowName) : fallback;
}

/** The API's `from` for "the last <window>", in epoch milliseconds (one of the formats it accepts). */
export function fromOf(window: WindowName, now = Date.now()): string {
  return String(now - windows[window]);
}
