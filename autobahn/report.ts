// Autobahn|Testsuite report: condenses the suite's reports (RFC 6455 / RFC 7692 conformance
// cases) into per-group counts, lists the cases that did not pass, writes
// autobahn/results/summary.json and docs/conformance/autobahn-results.md, and exits non-zero
// unless every case read is OK or INFORMATIONAL.
//
//   npm run autobahn:report -- [--servers] [--clients] [--agent wsref] [--suite LABEL]
//                              [--reports DIR] [--summary FILE] [--markdown FILE] [--no-write]
//
// Exit status: 0 all passed, 1 some case did not pass, 2 nothing (or not what was asked) to read.

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DIRECTIONS,
  allPassed,
  chooseAgent,
  renderConsole,
  renderMarkdown,
  summarizeDirection,
  validateIndex,
  type CaseDetail,
  type Direction,
  type ResultsSummary,
  type SuiteIndex,
} from './report-model.js';
import { isMainModule } from './testee-runtime.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const DEFAULT_PATHS = {
  reports: join(REPO_ROOT, 'autobahn', 'reports'),
  summary: join(REPO_ROOT, 'autobahn', 'results', 'summary.json'),
  markdown: join(REPO_ROOT, 'docs', 'conformance', 'autobahn-results.md'),
};

const HOW_TO_RUN: Record<Direction, string> = {
  servers: 'docker-compose --profile server up --abort-on-container-exit --exit-code-from fuzzingclient, or scripts/run-autobahn-local.sh server',
  clients: 'docker-compose --profile client up --abort-on-container-exit --exit-code-from testee-client, or scripts/run-autobahn-local.sh client',
};

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

/** Reads a case's own report file (only done for cases that did not pass). */
function caseDetailReader(directory: string): (id: string, entry: { reportfile?: string }) => CaseDetail | undefined {
  return (_id, entry) => {
    if (!entry.reportfile || entry.reportfile.includes('/') || entry.reportfile.includes('\\')) return undefined;
    try {
      const detail = readJson(join(directory, entry.reportfile)) as CaseDetail;
      return { description: detail.description, result: detail.result, resultClose: detail.resultClose };
    } catch {
      return undefined;
    }
  };
}

/** Keeps directions not read this time from the previous summary, so one run does not erase the other. */
function previousSummary(path: string): ResultsSummary['directions'] {
  try {
    const old = readJson(path) as Partial<ResultsSummary>;
    return typeof old.directions === 'object' && old.directions !== null ? old.directions : {};
  } catch {
    return {};
  }
}

export function runReport(
  argv: string[],
  log: (line: string) => void = console.log,
  warn: (line: string) => void = console.error,
): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        servers: { type: 'boolean' },
        clients: { type: 'boolean' },
        agent: { type: 'string' },
        suite: { type: 'string' },
        reports: { type: 'string' },
        summary: { type: 'string' },
        markdown: { type: 'string' },
        'no-write': { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    warn(error instanceof Error ? error.message : String(error));
    return 2;
  }
  const explicit = DIRECTIONS.filter((d) => values[d] === true);
  const wanted = explicit.length > 0 ? explicit : DIRECTIONS;
  const reportsDir = values.reports !== undefined ? resolve(values.reports) : DEFAULT_PATHS.reports;
  const summaryPath = values.summary !== undefined ? resolve(values.summary) : DEFAULT_PATHS.summary;
  const markdownPath = values.markdown !== undefined ? resolve(values.markdown) : DEFAULT_PATHS.markdown;

  const fresh: ResultsSummary['directions'] = {};
  let missingExplicit = false;
  for (const direction of wanted) {
    const directory = join(reportsDir, direction);
    const indexPath = join(directory, 'index.json');
    const shown = relative(process.cwd(), indexPath) || indexPath;
    if (!existsSync(indexPath)) {
      warn(`${direction}: no report at ${shown}; produce one with: ${HOW_TO_RUN[direction]}`);
      if (explicit.length > 0) missingExplicit = true;
      continue;
    }
    let index: unknown;
    try {
      index = readJson(indexPath);
    } catch (error) {
      warn(`${direction}: ${shown} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
    const problem = validateIndex(index);
    if (problem !== undefined) {
      warn(`${direction}: ${shown} is not a suite index: ${problem}`);
      return 2;
    }
    const choice = chooseAgent(index as SuiteIndex, values.agent);
    if ('error' in choice) {
      warn(`${direction}: ${choice.error}`);
      return 2;
    }
    const date = statSync(indexPath).mtime.toISOString();
    const summary = summarizeDirection(index as SuiteIndex, choice.agent, date, caseDetailReader(directory));
    if (values.suite !== undefined) summary.suite = values.suite;
    fresh[direction] = summary;
    log(renderConsole(direction, summary));
    log('');
  }

  const read = DIRECTIONS.filter((d) => fresh[d] !== undefined);
  if (read.length === 0) {
    warn('nothing to report: no index.json found for ' + wanted.join(' or '));
    return 2;
  }

  const merged: ResultsSummary = {
    generated: new Date().toISOString(),
    directions: { ...previousSummary(summaryPath), ...fresh },
  };
  if (values['no-write'] !== true) {
    for (const [path, text] of [
      [summaryPath, `${JSON.stringify(merged, null, 2)}\n`],
      [markdownPath, renderMarkdown(merged)],
    ] as const) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      log(`wrote ${relative(process.cwd(), path) || path}`);
    }
  }

  if (missingExplicit) return 2;
  const passed = allPassed({ generated: merged.generated, directions: fresh }, read);
  log(passed ? 'every case is OK or INFORMATIONAL' : 'some cases are not OK (see above)');
  return passed ? 0 : 1;
}

if (isMainModule(import.meta.url)) {
  process.exitCode = runReport(process.argv.slice(2));
}
