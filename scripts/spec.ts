// Runs the tests of one part of RFC 6455 or RFC 7692: the tests whose names cite the requirement
// ids asked for, found the way `npm run trace` finds them (scripts/trace.ts reads test names from
// the sources), then vitest on just those files with a name filter (`-t`).
//
//   npm run spec -- 5.5             RFC 6455 §5.5 and its subsections (§5.5.1 ping, …)
//   npm run spec -- 7692-7.2.1      RFC 7692 §7.2.1
//   npm run spec -- 6455-5.5.1-2    one requirement
//   npm run spec -- 5.5 7.4.1       several at once
//   npm run spec -- 5.5 --list      print the tests that would run, run nothing
//   npm run spec -- 5.5 -- --reporter=verbose   anything after a second `--` goes to vitest
//
// A bare section number (`5.5`, `§5.5`) means RFC 6455. Exits 2 on a query that is not a section
// or id of the requirement catalog, 1 when no test cites it, else with vitest's exit code.

import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { collectTests, compareIds, loadCatalogs, type TestCase } from './trace.js';

/** One query: a whole requirement id, or a section of an RFC (with its subsections). */
export type SpecQuery = { kind: 'id'; id: string } | { kind: 'section'; rfc: number; section: string };

const ID = /^(\d{4})-(\d+(?:\.\d+)*)-(\d+)$/;
const SECTION = /^(?:(\d{4})-|RFC ?(\d{4}) ?)?§?(\d+(?:\.\d+)*)$/i;

/** Reads `5.5`, `§5.5`, `7692-7.2`, `RFC7692 §7.2` or `6455-5.5-2`; undefined when it is none of them. */
export function parseQuery(text: string): SpecQuery | undefined {
  const trimmed = text.trim();
  if (ID.test(trimmed)) return { kind: 'id', id: trimmed };
  const m = SECTION.exec(trimmed);
  if (!m) return undefined;
  return { kind: 'section', rfc: Number(m[1] ?? m[2] ?? 6455), section: m[3]! };
}

/** Whether requirement `id` is what `query` asks for (a section includes its subsections). */
export function matchesQuery(id: string, query: SpecQuery): boolean {
  if (query.kind === 'id') return id === query.id;
  const m = ID.exec(id);
  if (!m || Number(m[1]) !== query.rfc) return false;
  return m[2] === query.section || m[2]!.startsWith(`${query.section}.`);
}

/** The tests that cite at least one asked-for id (skipped tests cover nothing, as in trace), and those ids. */
export function selectTests(tests: readonly TestCase[], queries: readonly SpecQuery[]): { tests: TestCase[]; ids: string[] } {
  const ids = new Set<string>();
  const selected = tests.filter((test) => {
    if (test.skipped) return false;
    const cited = test.ids.filter((id) => queries.some((q) => matchesQuery(id, q)));
    for (const id of cited) ids.add(id);
    return cited.length > 0;
  });
  return { tests: selected, ids: [...ids].sort(compareIds) };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * vitest's `-t` pattern: any of the ids, not as part of a longer id (`6455-5.5-1` must not
 * select `6455-5.5-10`). vitest matches it against the suite titles and the test name together,
 * which are exactly the text trace reads citations from.
 */
export function namePattern(ids: readonly string[]): string {
  return `(?<![\\d.-])(?:${ids.map(escapeRegExp).join('|')})(?![\\d.])`;
}

/** The vitest command line for a selection: its files, and the name filter. */
export function vitestArgs(selection: { tests: readonly TestCase[]; ids: readonly string[] }): string[] {
  const files = [...new Set(selection.tests.map((t) => t.file))].sort();
  return ['vitest', 'run', ...files, '-t', namePattern(selection.ids)];
}

export function main(argv: string[], root = fileURLToPath(new URL('..', import.meta.url))): number {
  const split = argv.indexOf('--');
  const ours = split < 0 ? argv : argv.slice(0, split);
  const forVitest = split < 0 ? [] : argv.slice(split + 1);
  const list = ours.includes('--list');
  const words = ours.filter((a) => a !== '--list');
  const queries = words.map(parseQuery);
  const bad = words.filter((_, i) => queries[i] === undefined);
  if (words.length === 0 || bad.length > 0) {
    process.stderr.write(`spec: ${bad.length ? `not a section or requirement id: ${bad.join(' ')}` : 'name a section or a requirement id'}\n` +
      'usage: npm run spec -- 5.5 | 7692-7.2.1 | 6455-5.5.1-2 [more…] [--list]\n');
    return 2;
  }
  const catalogIds = loadCatalogs(join(root, 'spec-tests', 'requirements')).flatMap((c) => c.requirements.map((r) => r.id));
  const unknown = words.filter((_, i) => !catalogIds.some((id) => matchesQuery(id, queries[i]!)));
  if (unknown.length > 0) {
    process.stderr.write(`spec: no requirement of the catalog (spec-tests/requirements/) is ${unknown.join(' ')}\n`);
    return 2;
  }
  const selection = selectTests(collectTests(root), queries as SpecQuery[]);
  if (selection.tests.length === 0) {
    process.stderr.write(`spec: no test cites ${words.join(' ')}\n`);
    return 1;
  }
  const files = new Set(selection.tests.map((t) => t.file));
  process.stdout.write(`spec: ${selection.tests.length} test(s) in ${files.size} file(s) cite ${selection.ids.join(' ')}\n`);
  if (list) {
    for (const t of selection.tests) process.stdout.write(`  ${t.file}:${t.line ?? '?'}  ${t.name}\n`);
    return 0;
  }
  const run = spawnSync('npx', [...vitestArgs(selection), ...forVitest], { cwd: root, stdio: 'inherit' });
  return run.status ?? 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main(process.argv.slice(2));
