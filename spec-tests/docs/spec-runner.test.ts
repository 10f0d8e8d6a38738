// `npm run spec -- 5.5` (scripts/spec.ts): a learner runs the tests of one RFC section. The
// selection must be exactly the tests whose names cite the asked-for ids (as `npm run trace`
// reads them), and vitest's name filter must pick those tests and no others.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main, matchesQuery, namePattern, parseQuery, selectTests, vitestArgs } from '../../scripts/spec.js';
import { collectTests } from '../../scripts/trace.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tests = collectTests(root);

/** What vitest matches `-t` against: the suite titles and the test name, joined by spaces. */
const vitestFullName = (name: string) => name.split(' › ').join(' ');

describe('reading the query', () => {
  it('[wsref] reads a bare section as RFC 6455, an rfc-section pair, and a whole requirement id', () => {
    expect(parseQuery('5.5')).toEqual({ kind: 'section', rfc: 6455, section: '5.5' });
    expect(parseQuery('§7.4.1')).toEqual({ kind: 'section', rfc: 6455, section: '7.4.1' });
    expect(parseQuery('7692-7.2.1')).toEqual({ kind: 'section', rfc: 7692, section: '7.2.1' });
    expect(parseQuery('RFC7692 §8')).toEqual({ kind: 'section', rfc: 7692, section: '8' });
    expect(parseQuery('6455-5.5.1-2')).toEqual({ kind: 'id', id: '6455-5.5.1-2' });
    expect(parseQuery('ping')).toBeUndefined();
    expect(parseQuery('5.5.')).toBeUndefined();
  });

  it('[wsref] a section includes its subsections but not a section that only starts with the same digits', () => {
    const section = parseQuery('5.5')!;
    expect(matchesQuery('6455-5.5-1', section)).toBe(true);
    expect(matchesQuery('6455-5.5.1-3', section)).toBe(true);
    expect(matchesQuery('6455-5.4-1', section)).toBe(false);
    expect(matchesQuery('6455-5.50-1', section)).toBe(false);
    expect(matchesQuery('7692-5.5-1', section)).toBe(false);
    expect(matchesQuery('6455-5.5.1-2', parseQuery('6455-5.5.1-2')!)).toBe(true);
    expect(matchesQuery('6455-5.5.1-20', parseQuery('6455-5.5.1-2')!)).toBe(false);
  });
});

describe('choosing the tests', () => {
  it('[wsref] `5.5` selects every test citing an RFC 6455 §5.5.x id, and only those, from the repository\'s test names', () => {
    const selection = selectTests(tests, [parseQuery('5.5')!]);
    expect(selection.tests.length).toBeGreaterThan(10);
    for (const t of selection.tests) expect(t.ids.some((id) => /^6455-5\.5(\.\d+)*-\d+$/.test(id)), t.name).toBe(true);
    const missed = tests.filter((t) => !t.skipped && t.ids.some((id) => id.startsWith('6455-5.5')) && !selection.tests.includes(t));
    expect(missed).toEqual([]);
    expect(selection.ids).toContain('6455-5.5.1-1');
    expect(selection.ids.every((id) => id.startsWith('6455-5.5'))).toBe(true);
  });

  it('[wsref] the vitest name filter matches each selected test and no other test of the same files', () => {
    for (const query of ['5.5', '7692-7.2.1', '6455-5.5.1-2', '6455-5.2-1']) {
      const selection = selectTests(tests, [parseQuery(query)!]);
      const pattern = new RegExp(namePattern(selection.ids));
      const files = new Set(selection.tests.map((t) => t.file));
      for (const t of tests.filter((x) => files.has(x.file) && !x.skipped && !x.dynamic)) {
        expect(pattern.test(vitestFullName(t.name)), `${query}: ${t.name}`).toBe(selection.tests.includes(t));
      }
      expect(vitestArgs(selection).slice(0, 2)).toEqual(['vitest', 'run']);
    }
  });

  it('[wsref] refuses a query that is not a section or id of the catalog (exit 2), and lists without running with --list', () => {
    const write = process.stderr.write;
    const out = process.stdout.write;
    const printed: string[] = [];
    process.stderr.write = ((text: string) => (printed.push(text), true)) as typeof process.stderr.write;
    process.stdout.write = ((text: string) => (printed.push(text), true)) as typeof process.stdout.write;
    try {
      expect(main(['ping'], root)).toBe(2);
      expect(main(['6455-5.5-2'], root)).toBe(2); // §5.5 has one requirement
      expect(main([], root)).toBe(2);
      printed.length = 0;
      expect(main(['6455-5.5.2-2', '--list'], root)).toBe(0);
    } finally {
      process.stderr.write = write;
      process.stdout.write = out;
    }
    const expected = selectTests(tests, [parseQuery('6455-5.5.2-2')!]).tests;
    expect(printed.join('')).toContain(`${expected.length} test(s)`);
    for (const t of expected) expect(printed.join('')).toContain(`${t.file}:${t.line}`);
  });
});

describe('running them', () => {
  it('[wsref] `npm run spec -- 6455-5.5.2-2` runs the tests that cite the id with vitest, they pass, and no other test runs', () => {
    const expected = selectTests(tests, [parseQuery('6455-5.5.2-2')!]).tests;
    const report = join(mkdtempSync(join(tmpdir(), 'wsref-spec-')), 'report.json');
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')));
    const run = spawnSync('npx', ['tsx', 'scripts/spec.ts', '6455-5.5.2-2', '--', '--reporter=json', `--outputFile=${report}`], {
      cwd: root, encoding: 'utf8', env: { ...env, NO_COLOR: '1' }, timeout: 120_000,
    });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    const results = JSON.parse(readFileSync(report, 'utf8')) as { testResults: { assertionResults: { fullName: string; status: string }[] }[] };
    rmSync(dirname(report), { recursive: true, force: true });
    const ran = results.testResults.flatMap((file) => file.assertionResults).filter((t) => t.status !== 'skipped' && t.status !== 'pending');
    // Every test that ran cites the id and passed; every test trace reads as citing it ran (a name
    // with a run-time part may run once per row of its table).
    for (const t of ran) {
      expect(t.fullName).toMatch(/(?<![\d.-])6455-5\.5\.2-2(?![\d.])/);
      expect(t.status, t.fullName).toBe('passed');
    }
    const ranNames = ran.map((t) => t.fullName);
    for (const t of expected.filter((x) => !x.dynamic)) expect(ranNames).toContain(vitestFullName(t.name));
    expect(ran.length).toBeGreaterThanOrEqual(expected.length);
  }, 150_000);
});
