// `npm run bench` (and `npm run bench:quick`): wsref side by side with ws (native helpers on),
// both driven by real client libraries one message per send(). Prints progress, then the
// PASS/MISS table and, apart, the batched "parser ceiling", and writes
// bench/results/latest.json (every sample, machine info). A full run also writes
// docs/performance-results.json, the small summary the documentation site shows. With
// --baseline the pair is this tree's wsref (after) against another commit's (before, built by
// ./baseline.ts), every cell held to "no more than 5% slower". Options:
//
//   --baseline REF     compare with the wsref of git ref REF instead of ws (results: bench/results/baseline.json)
//   --quick            short measurements, fewer connections (under 2 minutes)
//   --only a,b         scenarios: echo, latency, idle, deflate, client, ceiling, http2 (1,000 sockets over one HTTP/2 connection vs TCP)
//   --rounds N         rounds per measurement (default 3)
//   --sizes a,b        message sizes in bytes for echo and client echo
//   --payloads a,b     echo payloads: binary, text-bytes, text-string (default: all three)
//   --duration MS      measured time per run
//   --profile          run wsref's processes with --cpu-prof (profiles in dist/bench-profiles/)
//   --docs / --no-docs write (or not) docs/performance-results.json
//   --out FILE         where to write the JSON results

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { prepareBaseline, type BaselineBuild } from './baseline.js';
import { renderHttp2Table } from './http2-sockets.js';
import { COMPILED, PINNING, REPO_DIR } from './processes.js';
import { BASELINE_SLOWDOWN, buildRows, renderTable, type Row } from './report.js';
import { ALL_SCENARIOS, runScenarios, type BenchConfig, type ScenarioName } from './scenarios.js';
import { AFTER_VS_BEFORE, KiB, MiB, WSREF_VS_WS } from './shared.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const numbers = (text: string | undefined) => text?.split(',').map(Number);

const quick = flag('quick');
const baselineRef = option('baseline');
const require = createRequire(import.meta.url);

/** Whether ws can use bufferutil here (then every ws process must load it). */
function nativeHelpers(): { bufferutil: string | false; utf8Validate: string | false } {
  const version = (name: string): string | false => {
    try {
      require(name);
      return (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      return false;
    }
  };
  return { bufferutil: version('bufferutil'), utf8Validate: version('utf-8-validate') };
}

/** The open-files limit this process (and so every child) has. */
function openFilesLimit(): number {
  const result = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const limit = Number(result.stdout.trim());
  return Number.isFinite(limit) ? limit : 1024;
}

const native = nativeHelpers();
const fileLimit = openFilesLimit();
const wantedIdle = quick ? 2_000 : 10_000;
// Each side holds one descriptor per connection, plus a few hundred for Node itself.
const idleConnections = Math.min(wantedIdle, fileLimit - 500);
// Under dist/, which git ignores (profiles are large and machine-specific).
const profileDir = path.join(REPO_DIR, 'dist', 'bench-profiles');

const sizes = numbers(option('sizes'));
const config: BenchConfig = {
  scenarios: (option('only')?.split(',') as ScenarioName[] | undefined) ?? ALL_SCENARIOS,
  rounds: Number(option('rounds') ?? (quick ? 2 : 3)),
  warmupMs: quick ? 100 : 250,
  durationMs: Number(option('duration') ?? (quick ? 250 : 1000)),
  minMessages: quick ? 4 : 16,
  echoSizes: sizes ?? [16, KiB, 64 * KiB, MiB, 16 * MiB],
  echoPayloads: (option('payloads')?.split(',') as BenchConfig['echoPayloads'] | undefined) ?? ['binary', 'text-bytes', 'text-string'],
  latencyMs: quick ? 400 : 1500,
  idleConnections,
  deflateSizes: [KiB, 64 * KiB],
  compressedConnections: quick ? 300 : 1_000,
  clientSizes: sizes ?? [16, KiB, 64 * KiB, MiB, 16 * MiB],
  ceilingSizes: [16, KiB],
  native: native.bufferutil !== false,
  wsrefNodeFlags: flag('profile') ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  log: (line) => console.log(line),
};
for (const scenario of config.scenarios) {
  if (!ALL_SCENARIOS.includes(scenario)) throw new Error(`unknown scenario ${scenario}; known: ${ALL_SCENARIOS.join(', ')}`);
}
const compare = baselineRef === undefined ? WSREF_VS_WS : AFTER_VS_BEFORE;

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  date: new Date().toISOString(),
  loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  openFilesLimit: fileLimit,
};

const title = baselineRef === undefined ? 'wsref vs ws' : `wsref after (this tree) vs before (${baselineRef})`;
console.log(`${title} — ${quick ? 'quick' : 'full'} run on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}`);
console.log(`native helpers for ws: bufferutil ${native.bufferutil || 'NOT INSTALLED (the ws column is then ws without them)'}, utf-8-validate ${native.utf8Validate || 'not installed'}`);
console.log(PINNING ? 'servers pinned to core 1, load generators and clients to core 0 (taskset)' : 'NOTE: no pinning (taskset missing or one core): CPU numbers share cores with the load');
if (idleConnections < wantedIdle) {
  console.log(`NOTE: open-files limit ${fileLimit}: idle connections reduced from ${wantedIdle} to ${idleConnections}`);
}
if (machine.loadAverageAtStart[0]! > 0.5) console.log(`NOTE: load average ${machine.loadAverageAtStart[0]} at start: other work is running, numbers will be noisier`);
if (config.wsrefNodeFlags.length > 0) mkdirSync(profileDir, { recursive: true });

/** How the numbers were taken, printed under the table and shown next to the figures in the docs. */
const METHOD = [
  'Method: every server (wsref, ws with native helpers, raw TCP) runs in its own process pinned to one core; the load is the',
  'ws client library (native helpers on) pinned to the other core, one message per send(), a window of messages in flight.',
  'µs/msg is server CPU per echoed message: process.cpuUsage() (user+system) read inside the server before and after the',
  'measured window, divided by the messages it echoed. Client echo: the same, inside the client process (wsref client vs',
  'ws client against a ws server). Implementations alternate within each round (order reversed every other round); a',
  'ratio is wsref ÷ ws computed per round, and the table shows the median of those per-round ratios (min–max of the',
  'rounds in parentheses). Deflate: the same permessage-deflate settings on every side (threshold 1 KiB, 15-bit windows,',
  'context takeover both ways, level 6, memLevel 8). text-string: both servers decode to a string and send a string.',
  'Latency (32 B, one message in flight): in each round the load generator holds a connection to every server and switches',
  'between them in 8 short blocks per server (order reversed every other block, each block opening with unrecorded round',
  'trips), then takes p50/p99 from each server\'s pooled samples, so a stall of the machine falls on all servers alike.',
].join('\n');
const BASELINE_METHOD = [
  `Method (--baseline): the same rounds, scenarios and sizes, with this tree's wsref ("after") and the wsref of ${baselineRef}`,
  `("before") as the pair: both built by tsc with bench/tsconfig.json and driven by this tree's harness, servers and load`,
  'generator, so only src/ differs. Server scenarios: the ws client against each wsref server; client scenario: each wsref',
  'client against the ws server. They alternate within each round (order reversed every other round); a ratio is',
  `after ÷ before per round, the table shows the median of those. Target for every cell: at most ${BASELINE_SLOWDOWN * 100}% worse than before`,
  `(≤ ${1 + BASELINE_SLOWDOWN}× where lower is better: CPU, latency, memory; ≥ ${1 - BASELINE_SLOWDOWN}× where higher is better: msg/s, conn/s).`,
  'Latency is sampled in interleaved blocks of every server, pooled per server, as in the main method.',
].join('\n');

let baseline: BaselineBuild | undefined;
// Ctrl-C or a kill during the run still removes the baseline's worktree.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    baseline?.remove();
    process.exit(130);
  });
}
const started = Date.now();
let measured: Awaited<ReturnType<typeof runScenarios>>;
try {
  if (baselineRef !== undefined) {
    baseline = prepareBaseline(baselineRef, config.log);
    Object.assign(config, { compare, baselineBenchDir: baseline.benchDir });
  }
  measured = await runScenarios(config);
} finally {
  baseline?.remove();
}
const { samples, serverInfo } = measured;
const rows = buildRows(samples, { compare, baseline: baseline !== undefined });
const seconds = Math.round((Date.now() - started) / 1000);

// A --baseline run holds the ceiling to the 5% too, so it counts with the table.
const targetRows = rows.filter((r) => r.section === 'targets');
const ceilingRows = rows.filter((r) => r.section === 'ceiling');
const countedRows = baseline ? rows : targetRows;
if (targetRows.length > 0) {
  // (--only http2 has no wsref-vs-ws rows)
  console.log('');
  console.log(renderTable(targetRows, false, compare));
  console.log('');
  console.log(baseline ? BASELINE_METHOD : METHOD);
}
if (ceilingRows.length > 0) {
  console.log('');
  console.log('Parser ceiling (not a target; no application sends like this): raw sockets writing up to 32 prebuilt,');
  console.log('premasked frames per write, replies counted without parsing. Shows frame parsing and output batching alone.');
  console.log(renderTable(ceilingRows, false, compare));
}
if (measured.http2) {
  console.log('');
  console.log(renderHttp2Table(measured.http2));
  console.log(measured.http2.method);
}
const count = (verdict: Row['verdict']) => countedRows.filter((r) => r.verdict === verdict).length;
console.log(`${count('PASS')} PASS, ${count('MISS')} MISS — ${seconds} s`);
if (baseline) {
  const verdict = count('MISS') === 0 ? 'PASS' : 'MISS';
  console.log(`${verdict}: ${count('MISS') === 0 ? 'no' : count('MISS')} cell${count('MISS') === 1 ? '' : 's'} more than ${BASELINE_SLOWDOWN * 100}% slower than ${baselineRef} (${baseline.commit.slice(0, 12)}), of ${countedRows.length}`);
}

const results = {
  mode: quick ? 'quick' : 'full',
  baseline: baseline ? { ref: baseline.ref, commit: baseline.commit, compared: 'after = this tree, before = baseline' } : undefined,
  machine,
  runner: COMPILED ? 'src/ and bench/ compiled by tsc (bench/tsconfig.json), run with node' : 'run from TypeScript through tsx',
  nativeHelpers: native,
  servers: serverInfo,
  config: { ...config, log: undefined },
  seconds,
  rows,
  samples,
  http2: measured.http2,
};
const out = option('out') ?? path.join(REPO_DIR, 'bench', 'results', baseline ? 'baseline.json' : 'latest.json');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 1)}\n`);
console.log(`results: ${path.relative(process.cwd(), out)}`);

/** The documentation's copy: machine, settings and rows (medians, spreads, ratios, verdicts). */
function docsSummary(allRows: readonly Row[]) {
  const round = (n: number | undefined) => (n === undefined ? null : Number(n.toPrecision(4)));
  return {
    generated: machine.date,
    machine: { cpu: machine.cpu, cores: machine.cores, node: machine.node, platform: machine.platform, loadAverageAtStart: machine.loadAverageAtStart },
    nativeHelpers: native,
    pinned: PINNING,
    ws: (serverInfo.ws as { ws?: string } | undefined)?.ws ?? null,
    method: METHOD.replace(/\n/g, ' '),
    settings: { rounds: config.rounds, durationMs: config.durationMs, idleConnections, compressedConnections: config.compressedConnections },
    // WebSocket over HTTP/2 vs TCP (bench/http2-sockets.ts): medians per carrier, shown by docs/performance.md.
    http2: measured.http2 ? { sockets: measured.http2.sockets, messageSize: measured.http2.messageSize, method: measured.http2.method, medians: measured.http2.medians } : null,
    rows: allRows.map((row) => ({
      section: row.section,
      scenario: row.scenario,
      metric: row.metric,
      payload: row.payload,
      size: row.sizeLabel,
      unit: row.unit,
      wsref: row.results.wsref ? { median: round(row.results.wsref.median), min: round(row.results.wsref.min), max: round(row.results.wsref.max) } : null,
      ws: row.results.ws ? { median: round(row.results.ws.median), min: round(row.results.ws.min), max: round(row.results.ws.max) } : null,
      tcp: row.results.tcp ? round(row.results.tcp.median) : null,
      ratioWs: round(row.ratio),
      ratioTcp: round(row.ratioTcp),
      target: row.target,
      result: row.verdict,
    })),
  };
}

const fullDefaultRun = !quick && option('only') === undefined && option('rounds') === undefined && option('sizes') === undefined && option('payloads') === undefined && option('duration') === undefined && !flag('profile');
// The docs show wsref against ws; a --baseline run never writes them.
if (!baseline && (flag('docs') || (fullDefaultRun && !flag('no-docs')))) {
  const docsFile = path.join(REPO_DIR, 'docs', 'performance-results.json');
  writeFileSync(docsFile, `${JSON.stringify(docsSummary(rows), null, 1)}\n`);
  console.log(`docs summary: ${path.relative(process.cwd(), docsFile)}`);
}
