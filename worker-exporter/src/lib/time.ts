import type { HrTime } from '@opentelemetry/api';

export function hrNow(): HrTime {
  return msToHr(Date.now());
}

export function msToHr(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

export function hrToMs(t: HrTime): number {
  return t[0] * 1000 + t[1] / 1e6;
}

/** Decimal string, because nanoseconds since the epoch exceed Number's exact integer range. */
export function hrToNanoString(t: HrTime): string {
  return (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
