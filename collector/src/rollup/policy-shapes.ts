import type { Store } from '../store/open.ts';
import { rollUpMinutes, type MinuteRollupOptions } from './minutes.ts';

/** Stores each quiet minute's decision points by request shape into `seam_policy_rollup`, for policy simulation. */
export function rollUpPolicyShapes(store: Store, options: MinuteRollupOptions): Promise<{ minutes: number }> {
  return rollUpMinutes(
    store,
    { due: 'rollup/policy_minutes_due.sql', compute: 'rollup/policy_shapes.sql', settle: 'rollup/policy_minutes_settle.sql' },
    options,
  );
}
