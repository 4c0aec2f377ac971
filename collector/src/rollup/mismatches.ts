import type { Store } from '../store/open.ts';
import { rollUpMinutes, type MinuteRollupOptions } from './minutes.ts';

/** Stores each quiet minute's edge ↔ mesh mismatches (all kinds but stale_key) into `seam_mismatch_rollup`. */
export function rollUpMismatches(store: Store, options: MinuteRollupOptions): Promise<{ minutes: number }> {
  return rollUpMinutes(
    store,
    { due: 'rollup/mismatch_minutes_due.sql', compute: 'rollup/mismatches.sql', settle: 'rollup/mismatch_minutes_settle.sql' },
    options,
  );
}
