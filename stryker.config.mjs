// Mutation testing of the sans-I/O core (issue #14 item 7): Stryker changes one operator, literal or
// branch in src/core at a time and runs the tests that cover it; a mutant that no test notices
// ("survived") is a rule the tests would not defend. Run `npm run mutate` (all of src/core) or one
// folder at a time: `npm run mutate -- --mutate 'src/core/framing/**/*.ts'`.
// Everything it writes (incremental caches, HTML/JSON reports, sandbox) goes under .stryker/ (git-ignored).

// Each --mutate pattern keeps its own cache and reports, so folder runs do not overwrite each other:
// 'src/core/framing/**/*.ts' → .stryker/incremental/src-core-framing.json, .stryker/reports/src-core-framing.html.
function mutatePattern(argv) {
  const i = argv.findIndex((arg) => arg === '--mutate' || arg === '-m');
  if (i >= 0) return argv[i + 1];
  return argv.find((arg) => arg.startsWith('--mutate='))?.slice('--mutate='.length);
}
const runName = (mutatePattern(process.argv) ?? 'src/core').replace(/\*.*$/, '').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: ['src/core/**/*.ts'],
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  // Only the tests that cover a mutant run against it.
  coverageAnalysis: 'perTest',
  // Static mutants (in module-level tables and constants, run once at import) are reached by no
  // test in particular, so each would rerun the whole suite: ~45% of the mutants, ~80% of the time.
  // They are reported as ignored; `npm run mutate -- --ignoreStatic false` tests them too.
  ignoreStatic: true,
  // The machine is shared (2 cores): one test process at a time.
  concurrency: 1,
  // Re-runs reuse the results of unchanged code and tests.
  incremental: true,
  incrementalFile: `.stryker/incremental/${runName}.json`,
  tempDirName: '.stryker/tmp',
  cleanTempDir: 'always',
  // The sandbox copy needs the code, tests and docs pages (the rules test reads them), not the site (hundreds of MB) or the bench.
  ignorePatterns: ['website', 'bench', 'soak', 'deploy', 'dist', 'coverage', 'autobahn/reports', '.tmp', 'dist-building-*'],
  reporters: ['clear-text', 'html', 'json', 'progress'],
  htmlReporter: { fileName: `.stryker/reports/${runName}.html` },
  jsonReporter: { fileName: `.stryker/reports/${runName}.json` },
  // clear-text prints every file and a row per folder with its score.
  clearTextReporter: { allowEmojis: false, logTests: false, reportScoreTable: true },
  // Types are checked by `npm run typecheck`; mutants that do not compile count as errors, not kills.
  disableTypeChecks: 'src/core/**/*.ts',
  // A mutant that makes a loop endless is killed by the timeout; keep it short, each costs a runner restart.
  timeoutMS: 3_000,
  // The initial run of every test, instrumented, on a busy shared machine takes longer than the default 5 minutes.
  dryRunTimeoutMinutes: 30,
  timeoutFactor: 1.25,
  thresholds: { high: 90, low: 80, break: null },
};
