import type { Store } from '../store/open.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { rollUpDecisionCounts } from './decision-counts.ts';

export interface RollupOptions {
  /** Seconds between runs; 0 turns the rollup off on this replica (readers then count from rows). */
  intervalSeconds: number;
  /** See DecisionRollupOptions.graceSeconds. */
  graceSeconds: number;
}

export const defaultRollupOptions: RollupOptions = { intervalSeconds: 30, graceSeconds: 30 };

/** Runs the decision rollup every interval, one run at a time, until stopped. */
export function scheduleRollup(store: Store, options: RollupOptions, metrics: Metrics, log: (line: string) => void): { stop(): Promise<void> } {
  if (options.intervalSeconds <= 0) return { stop: async () => {} };
  const minutesCounted = metrics.counter('seam_rollup_minutes_total', 'Minutes of decision points counted into seam_decision_rollup');
  const failures = metrics.counter('seam_rollup_failures_total', 'Rollup runs that failed (readers count those minutes from rows meanwhile)');
  let lastError = '';
  // A run that outlasts the interval makes the next tick a no-op rather than a second concurrent run.
  let running: Promise<void> | undefined;
  const stopping = new AbortController();
  const tick = () => {
    running ??= (async () => {
      try {
        const { minutes } = await rollUpDecisionCounts(store, { graceSeconds: options.graceSeconds, maxMinutes: 24 * 60, signal: stopping.signal });
        minutesCounted({}, minutes);
        lastError = '';
      } catch (error) {
        failures();
        const message = (error as Error).message;
        // One line per distinct failure, not one every interval while the store is down.
        if (message !== lastError) log(`rollup: counting decisions failed (${message}); readers count the affected minutes from rows until it succeeds`);
        lastError = message;
      } finally {
        running = undefined;
      }
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
