// Vitest settings for mutation testing only (`npm run mutate`, see stryker.config.mjs): the core's
// own tests and the robustness tests that drive the core, without the timed network load and
// slowloris files — those measure the Node layer's clocks and would only turn mutants into timeouts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec-tests/core/**/*.test.ts', 'spec-tests/robustness/**/*.test.ts'],
    exclude: [
      'spec-tests/robustness/load.test.ts',
      'spec-tests/robustness/slowloris-shipped-servers.test.ts',
      'spec-tests/robustness/handshake-attacks.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
