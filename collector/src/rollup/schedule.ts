import type { Store } from '../store/open.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { rollUpDecisionCounts } from './decision-counts.ts';
import { rollUpMismatches } from './mismatches.ts';
import { rollUpPolicyShapes } from './policy-shapes.ts';

export interface RollupOptions {
  /** Seconds between runs; 0 turns the rollup off on this replica (readers then count from rows). */
  intervalSeconds: number;
  /** See MinuteRollupOptions.graceSeconds. */
  graceSeconds: number;
}

export const defaultRollupOptions: RollupOptions = { intervalSeconds: 30, graceSeconds: 30 };

const rollups = [
  { name: 'decisions', what: 'counting decisions', run: rollUpDecisionCounts },
  { name: 'mismatches', what: 'storing mismatches', run: rollUpMismatches },
  { name: 'policy', what: 'storing policy request shapes', run: rollUpPolicyShapes },
] as const;

/** Runs the decision, mismatch and policy rollups every interval, one run at a time, until stopped. */
export function scheduleRollup(store: Store, options: RollupOptions, metrics: Metrics, log: (line: string) => void): { stop(): Promise<void> } {
  if (options.intervalSeconds <= 0) return { stop: async () => {} };
  const minutesDone = metrics.counter(
    'seam_rollup_minutes_total',
    'Minutes rolled up, by rollup: decisions (seam_decision_rollup), mismatches (seam_mismatch_rollup) or policy (seam_policy_rollup)',
  );
  const failures = metrics.counter('seam_rollup_failures_total', 'Rollup runs that failed, by rollup (readers compute those minutes from rows meanwhile)');
  const lastError = new Map<string, string>();
  // A run that outlasts the interval makes the next tick a no-op rather than a second concurrent run.
  let running: Promise<void> | undefined;
  const stopping = new AbortController();
  const tick = () => {
    running ??= (async () => {
      for (const rollup of rollups) {
        try {
          const { minutes } = await rollup.run(store, { graceSeconds: options.graceSeconds, maxMinutes: 24 * 60, signal: stopping.signal });
          minutesDone({ rollup: rollup.name }, minutes);
          lastError.delete(rollup.name);
        } catch (error) {
          failures({ rollup: rollup.name });
          const message = (error as Error).message;
          // One line per distinct failure, not one every interval while the store is down.
          if (message !== lastError.get(rollup.name)) {
            log(`rollup: ${rollup.what} failed (${message}); readers compute the affected minutes from rows until it succeeds`);
          }
          lastError.set(rollup.name, message);
        }
      }
      running = undefined;
    })();
  };
  const timer = setInterval(tick, options.intervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      stopping.abort();
      await running;
    },
  };
}
