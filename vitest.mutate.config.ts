// Vitest settings for mutation testing only (`npm run mutate`, see stryker.config.mjs): the tests of
// spec-tests/core and spec-tests/robustness that drive the sans-I/O core in memory. Left out, because
// Stryker reruns every test that reaches a mutant, for each mutant: the socket tests (load,
// slowloris, handshake floods, frame attacks with their RSS bounds, 10,000 masked frames over TCP),
// which spend their seconds on the network and the Node layer's clocks and turn mutants into
// timeouts; and the quick fuzz set (thousands of random cases, 7 s a run: the soak's job).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec-tests/core/**/*.test.ts', 'spec-tests/robustness/**/*.test.ts'],
    exclude: [
      'spec-tests/robustness/load.test.ts',
      'spec-tests/robustness/slowloris-shipped-servers.test.ts',
      'spec-tests/robustness/handshake-attacks.test.ts',
      'spec-tests/robustness/frame-attacks.test.ts',
      'spec-tests/robustness/masking.test.ts',
      'spec-tests/robustness/fuzz-core.test.ts',
    ],
    // Instrumented code under `nice` on a shared 2-core machine: the byte-by-byte chunking test
    // took over 30 s in the initial (dry) run, which then refuses to start.
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
