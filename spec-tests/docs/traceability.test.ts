// The traceability page (docs/conformance/traceability.md, written by `npm run trace`) as the site
// shows it: each requirement of RFC 6455 and RFC 7692 lists its tests with a link to the test
// file's line on the site (website/plugins/wsref-test-sources.ts), and an unchanged page is
// not rewritten (its mtime is what `npm start` compares to decide on a rebuild of the site).

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectTests, loadCatalogs, main, renderMarkdown, trace } from '../../scripts/trace.js';
import { listTestFiles, testSourceRoute } from '../../website/plugins/wsref-test-sources.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const requirementsDir = join(repo, 'spec-tests', 'requirements');

describe('npm run trace writes only what changed', () => {
  let root = '';
  afterEach(() => {
    vi.restoreAllMocks();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** A repository with the real catalog and one test file. */
  function setUp(testSource: string): void {
    root = mkdtempSync(join(tmpdir(), 'wsref-trace-write-'));
    mkdirSync(join(root, 'spec-tests', 'core'), { recursive: true });
    cpSync(requirementsDir, join(root, 'spec-tests', 'requirements'), { recursive: true, filter: (src) => !src.endsWith('coverage.json') });
    writeFileSync(join(root, 'spec-tests', 'core', 'a.test.ts'), testSource);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  }
  const outputs = () => [join(root, 'docs', 'conformance', 'traceability.md'), join(root, 'spec-tests', 'requirements', 'coverage.json')];
  const LONG_AGO = new Date('2001-01-01T00:00:00Z');

  it('[wsref] a second run over unchanged tests leaves the page and coverage.json untouched (same mtime); a changed test rewrites them', () => {
    setUp(`import { it } from 'vitest';\nit('[6455-5.1-1] masks', () => {});\n`);
    expect(main(['--allow-untested'], root)).toBe(0);
    for (const file of outputs()) utimesSync(file, LONG_AGO, LONG_AGO);
    const before = outputs().map((file) => readFileSync(file, 'utf8'));

    expect(main(['--allow-untested'], root)).toBe(0);
    for (const file of outputs()) expect(statSync(file).mtimeMs, file).toBe(LONG_AGO.getTime());
    expect(outputs().map((file) => readFileSync(file, 'utf8'))).toEqual(before);

    writeFileSync(join(root, 'spec-tests', 'core', 'a.test.ts'), `import { it } from 'vitest';\nit('[6455-5.1-1, 6455-5.1-2] masks', () => {});\n`);
    expect(main(['--allow-untested'], root)).toBe(0);
    for (const file of outputs()) expect(statSync(file).mtimeMs, file).toBeGreaterThan(LONG_AGO.getTime());
  });
});

describe('the traceability page links each test to its file and line', () => {
  const tests = collectTests(repo);
  const markdown = renderMarkdown(trace(loadCatalogs(requirementsDir), tests, { allowUntested: true }));
  const links = [...markdown.matchAll(/\[`(spec-tests\/[^`:]+):(\d+)`\]\(([^)#]+)#L(\d+)\) › ([^<|]+)/g)];

  it('[wsref] every tested requirement row names its tests with a `file:line` link', () => {
    const rows = markdown.split('\n').filter((row) => /^\| \[\d{4}-/.test(row) && row.includes('| tested |'));
    expect(rows.length).toBeGreaterThan(200);
    for (const row of rows) expect(row, row.slice(0, 40)).toMatch(/\[`spec-tests\/[^`]+\.test\.ts:\d+`\]\(\/conformance\/tests\/[^)]+\/#L\d+\)/);
  });

  it('[wsref] each link goes to the site page of that file, and the line it names is the it()/test() call of that test', () => {
    expect(links.length).toBeGreaterThan(300);
    const sources = new Map<string, string[]>();
    for (const [, file, line, route, anchor, name] of links) {
      expect(route).toBe(testSourceRoute(file!));
      expect(anchor).toBe(line);
      if (!sources.has(file!)) sources.set(file!, readFileSync(join(repo, file!), 'utf8').split('\n'));
      const text = sources.get(file!)![Number(line) - 1] ?? '';
      expect(text, `${file}:${line}`).toMatch(/\b(it|test)(\.\w+)*(\(.*\))?\(/);
      // The call names the test (a table-driven it.each names its rows further down).
      if (/\.(each|for)\b/.test(text)) continue;
      const own = name!.trim().split(' › ').at(-1)!;
      const firstWord = /[A-Za-z]{4,}/.exec(own.replace(/\[[^\]]*\]/g, ''))?.[0];
      const call = sources.get(file!)!.slice(Number(line) - 1, Number(line) + 2).join('\n');
      if (firstWord && !/\$\{/.test(call)) expect(call, `${file}:${line} "${own}"`).toContain(firstWord);
    }
  });

  it('[wsref] the site publishes a page for every test file, at the route the links use', () => {
    const files = listTestFiles(repo);
    expect(files).toContain('spec-tests/docs/traceability.test.ts');
    expect(new Set(files.map(testSourceRoute)).size).toBe(files.length);
    expect(testSourceRoute('spec-tests/core/frame-parser.test.ts')).toBe('/conformance/tests/core/frame-parser/');
  });
});
