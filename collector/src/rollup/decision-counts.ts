import type { Store } from '../store/open.ts';
import { rollUpMinutes, type MinuteRollupOptions } from './minutes.ts';

/** Counts decision points per minute and dimension into `seam_decision_rollup`. */
export function rollUpDecisionCounts(store: Store, options: MinuteRollupOptions): Promise<{ minutes: number }> {
  return rollUpMinutes(
    store,
    { due: 'rollup/decision_minutes_due.sql', compute: 'rollup/decision_counts.sql', settle: 'rollup/decision_minutes_settle.sql' },
    options,
  );
}
