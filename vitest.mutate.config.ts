// Vitest settings for mutation testing only (`npm run mutate`, see stryker.config.mjs): the core's
// own tests and the robustness tests that drive the core, without the timed socket tests (load,
// slowloris, handshake floods: they measure the Node layer's clocks and would only turn mutants into
// timeouts) and without the quick fuzz set (thousands of random cases against every mutant it
// reaches, 7 s each time: the soak's job; the score measures the focused tests).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec-tests/core/**/*.test.ts', 'spec-tests/robustness/**/*.test.ts'],
    exclude: [
      'spec-tests/robustness/load.test.ts',
      'spec-tests/robustness/slowloris-shipped-servers.test.ts',
      'spec-tests/robustness/handshake-attacks.test.ts',
      'spec-tests/robustness/fuzz-core.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
