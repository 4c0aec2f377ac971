import { defineConfig } from 'vitest/config';

// Vitest 5's reporter calls Map.groupBy (Node 21+) when it prints failures; Node 20 lacks it.
if (typeof (Map as { groupBy?: unknown }).groupBy !== 'function') {
  Object.defineProperty(Map, 'groupBy', {
    value<K, T>(items: Iterable<T>, keyOf: (item: T, index: number) => K): Map<K, T[]> {
      const groups = new Map<K, T[]>();
      let index = 0;
      for (const item of items) {
        const key = keyOf(item, index++);
        const group = groups.get(key);
        if (group) group.push(item);
        else groups.set(key, [item]);
      }
      return groups;
    },
  });
}

export default defineConfig({
  test: {
    projects: [
      'worker-exporter/vitest.config.ts',
      {
        // @seam/worker-exporter from its sources, so a test never runs against a stale build of it.
        ssr: { resolve: { conditions: ['@seam/source', 'module', 'node', 'development|production'] } },
        test: {
          name: 'collector',
          // chdb segfaults under worker threads; every file gets its own process and its own data directory.
          pool: 'forks',
          include: ['collector/**/*.test.ts', 'queries/**/*.test.ts', 'deploy/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
