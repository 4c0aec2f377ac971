import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'worker',
    // Tests drive workerd through miniflare from Node (loopback servers stand in for the
    // collector, the identity provider and the mesh); pure rule tests run in Node directly.
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
