// `npm run soak`: the heavy robustness set (RFC 6455 §10, RFC 7692 §8 at scale), under 15 minutes
// on a 2-core machine. Phases: 100,000 fuzz cases against the core; frame-level attacks with the
// default limits; 10,000 concurrent echoing connections from several client processes, with
// slowloris handshakes trickled at 1 byte/s while they are held; peers
// vanishing without a close frame; wss.close() under load; a client reconnecting across 20
// server restarts. Prints a summary (connections held, messages sent/received/lost, peak RSS,
// handles leaked) and exits non-zero if any check failed.
//
// Run through `npm run soak`, which raises the open-file limit first (10,000 connections need
// 10,000 descriptors in the server process). Sizes can be lowered for a trial run:
//   SOAK_CONNECTIONS=2000 SOAK_FUZZ_CASES=10000 SOAK_SLOWLORIS=50 npm run soak

import { execSync } from 'node:child_process';
import { peakRss } from '../spec-tests/robustness/net-kit.js';
import { frameAttackPhase, fuzzPhase } from './phases-attacks.js';
import { reconnectPhase, shutdownPhase, swarmPhase, vanishPhase } from './phases-load.js';
import { SoakReport } from './report.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const CONNECTIONS = env('SOAK_CONNECTIONS', 10_000);
const CLIENT_PROCESSES = env('SOAK_CLIENT_PROCESSES', 4);
const MESSAGES_PER_CONNECTION = env('SOAK_MESSAGES', 20);
const FUZZ_CASES = env('SOAK_FUZZ_CASES', 100_000);
const RESTARTS = env('SOAK_RESTARTS', 20);
/** Slowloris clients (1 byte/s handshakes) run while the swarm's connections are held. */
const SLOWLORIS = env('SOAK_SLOWLORIS', 200);
/** The whole soak must end within this (15 minutes), checked at the end. */
const BUDGET_MS = 15 * 60_000;

function openFileLimit(): number {
  try {
    return Number(execSync('ulimit -n', { shell: '/bin/bash', encoding: 'utf8' }).trim());
  } catch {
    return NaN;
  }
}

const report = new SoakReport();
// A stray rejection or exception anywhere is a failure to report, not a silent crash.
process.on('unhandledRejection', (reason) => report.check('process', 'no unhandled rejection', false, String(reason)));
process.on('uncaughtException', (error) => report.check('process', 'no uncaught exception', false, error.stack ?? String(error)));

const limit = openFileLimit();
console.log(`wsref soak: ${CONNECTIONS} connections over ${CLIENT_PROCESSES} client processes, ${FUZZ_CASES} fuzz cases, ${RESTARTS} restarts; ulimit -n ${limit}`);
if (!(limit >= CONNECTIONS + 1_000)) {
  report.check('setup', 'enough file descriptors', false, `ulimit -n is ${limit}; run through "npm run soak", which raises it`);
} else {
  await report.phase('fuzzing the core', () => fuzzPhase(report, FUZZ_CASES));
  await report.phase('frame-level attacks (default limits)', () => frameAttackPhase(report));
  await report.phase(`${CONNECTIONS} concurrent connections`, () => swarmPhase(report, CONNECTIONS, CLIENT_PROCESSES, MESSAGES_PER_CONNECTION, SLOWLORIS));
  await report.phase('vanishing peers', () => vanishPhase(report, Math.min(2_000, CONNECTIONS), Math.min(2_000, CONNECTIONS)));
  await report.phase('wss.close() under load', () => shutdownPhase(report, Math.min(5_000, CONNECTIONS), Math.min(2, CLIENT_PROCESSES)));
  await report.phase(`reconnecting across ${RESTARTS} restarts`, () => reconnectPhase(report, RESTARTS));
}
report.check('budget', 'the soak finished within 15 minutes', Date.now() - report.started < BUDGET_MS, `${((Date.now() - report.started) / 1000).toFixed(0)} s`);
report.notePeakRss(peakRss());
console.log(report.summary());
process.exit(report.failed.length === 0 ? 0 : 1);
