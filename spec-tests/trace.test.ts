// Tests of the spec-traceability tool (scripts/trace.ts) and of the requirement catalog it reads
// (spec-tests/requirements/), which lists every BCP 14 sentence of RFC 6455, RFC 7692 and RFC 8441.
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  compareIds, expectedIds, extractTests, loadCatalogs, main, mdxCell, parseCitations,
  renderCoverageJson, renderMarkdown, trace, validateCatalog,
  type RfcCatalog, type Requirement, type TestCase,
} from '../scripts/trace.js';

const requirementsDir = join(dirname(fileURLToPath(import.meta.url)), 'requirements');
const catalogs = loadCatalogs(requirementsDir);
const all = catalogs.flatMap((c) => c.requirements);

/** A one-entry-per-id copy of the catalog with some entries replaced, for negative tests. */
function withEntries(change: (r: Requirement) => Requirement | undefined): RfcCatalog[] {
  return catalogs.map((c) => ({ ...c, requirements: c.requirements.map(change).filter((r): r is Requirement => !!r) }));
}
const testCase = (name: string, extra: Partial<TestCase> = {}): TestCase => {
  const c = parseCitations(name);
  return { file: 'spec-tests/x.test.ts', name, ids: c.ids, wsref: c.wsref, skipped: false, dynamic: false, malformed: c.malformed, ...extra };
};
const errors = (problems: { level: string; message: string }[]) => problems.filter((p) => p.level === 'error').map((p) => p.message);

describe('citation extraction', () => {
  it('[wsref] reads one id, a comma list, and adjacent bracket groups', () => {
    expect(parseCitations('[6455-5.2-3] rejects RSV1').ids).toEqual(['6455-5.2-3']);
    expect(parseCitations('[6455-5.2-3, 7692-7.1.2.1-2] x').ids).toEqual(['6455-5.2-3', '7692-7.1.2.1-2']);
    expect(parseCitations('[6455-5.2-3][6455-5.1-1] x').ids).toEqual(['6455-5.2-3', '6455-5.1-1']);
    expect(parseCitations('[6455-10.7-1] [6455-10.7-4] x').ids).toEqual(['6455-10.7-1', '6455-10.7-4']);
  });

  it('[wsref] marks [wsref], drops duplicates, and ignores brackets that are not citations', () => {
    expect(parseCitations('[wsref] limits heads')).toEqual({ ids: [], wsref: true, malformed: [] });
    expect(parseCitations('[6455-5.2-3][6455-5.2-3] twice').ids).toEqual(['6455-5.2-3']);
    expect(parseCitations('[6455-3-1] prints [object Object] and [1, 2]').ids).toEqual(['6455-3-1']);
  });

  it('[wsref] reports near-miss ids as malformed instead of silently skipping them', () => {
    expect(parseCitations('[6455-5.2] no sentence number').malformed).toEqual(['6455-5.2']);
    expect(parseCitations('[6455-5.2-3, 5.2-4] half').malformed).toEqual(['5.2-4']);
  });

  it('[wsref] finds it/test names, with describe titles prepended, and ignores strings elsewhere', () => {
    const src = `
      import { describe, it, test } from 'vitest';
      const fixture = "it('[6455-9.9-9] not a test', () => {})";
      describe('[6455-5.1-1] masking', () => {
        it('[6455-5.3-2] fresh key', () => {});
        test("[wsref] helper", () => { check('[6455-4.1-2] in a body'); });
      });
      it(\`[7692-5-1] offers \${name}\`, () => {});
      it('[6455-2' + '-1] joined', () => {});`;
    const tests = extractTests(src, 'a.test.ts');
    expect(tests.map((t) => [t.name, t.ids, t.dynamic])).toEqual([
      ['[6455-5.1-1] masking › [6455-5.3-2] fresh key', ['6455-5.1-1', '6455-5.3-2'], false],
      ['[6455-5.1-1] masking › [wsref] helper', ['6455-5.1-1'], false],
      ['[7692-5-1] offers ${…}', ['7692-5-1'], true],
      ['[6455-2-1] joined', ['6455-2-1'], false],
    ]);
  });

  it('[wsref] expands it.each / test.for tables of literals into one test per row', () => {
    const src = `
      const rows = [{ id: '6455-7.4.1-3', code: 1005 }, { id: '6455-7.4.1-4', code: 1006 }] as const;
      it.each([['6455-5.2-4', 3], ['6455-5.2-4', 11]])('[%s] rejects opcode %i (#%#)', () => {});
      it.each(rows)('[$id] refuses to send $code', () => {});
      test.for(['6455-5.5-1'])('[%s] control frame limit', () => {});
      it.each(makeRows())('[%s] built at run time', () => {});`;
    const tests = extractTests(src, 'b.test.ts');
    expect(tests.map((t) => t.name)).toEqual([
      '[6455-5.2-4] rejects opcode 3 (#0)',
      '[6455-5.2-4] rejects opcode 11 (#1)',
      '[6455-7.4.1-3] refuses to send 1005',
      '[6455-7.4.1-4] refuses to send 1006',
      '[6455-5.5-1] control frame limit',
      '[%s] built at run time',
    ]);
    expect(tests.at(-1)!.dynamic).toBe(true);
  });

  it('[wsref] flags skip/todo/fails tests, and skipIf/concurrent ones stay counted', () => {
    const src = `
      it.skip('[6455-5.1-2] a', () => {});
      it.todo('[6455-5.1-2] b');
      it.fails('[6455-5.1-2] c', () => {});
      it.skipIf(process.platform === 'win32')('[6455-5.1-4] d', () => {});
      test.concurrent('[6455-5.1-5] e', async () => {});`;
    expect(extractTests(src, 'c.test.ts').map((t) => t.skipped)).toEqual([true, true, true, false, false]);
  });
});

describe('tracing', () => {
  it('[wsref] reports a test citing an id that is not in the catalog', () => {
    const result = trace(catalogs, [testCase('[6455-5.2-99] no such sentence'), testCase('[8441-9-1] no such section')], { allowUntested: true });
    expect(errors(result.problems)).toEqual([
      'spec-tests/x.test.ts: "[6455-5.2-99] no such sentence" cites 6455-5.2-99, which is not in the catalog',
      'spec-tests/x.test.ts: "[8441-9-1] no such section" cites 8441-9-1, which is not in the catalog',
    ]);
  });

  it('[wsref] fails on untested MUST/SHOULD-level entries unless --allow-untested, never on untested MAYs', () => {
    const strict = trace(catalogs, []);
    expect(errors(strict.problems)).toEqual([`${strict.unaccounted.length} implemented MUST/SHOULD-level requirement(s) have no test`]);
    expect(strict.unaccounted.map((e) => e.req.id)).toContain('6455-5.1-1');
    expect(strict.unaccounted.map((e) => e.req.id)).not.toContain('6455-5.5.2-4'); // a MAY
    expect(errors(trace(catalogs, [], { allowUntested: true }).problems)).toEqual([]);
  });

  it('[wsref] counts a citing test as coverage, but not a skipped one', () => {
    const result = trace(catalogs, [testCase('[6455-5.1-1] masks'), testCase('[6455-5.1-2] later', { skipped: true })], { allowUntested: true });
    const status = (id: string) => result.entries.find((e) => e.req.id === id)!.status;
    expect(status('6455-5.1-1')).toBe('tested');
    expect(status('6455-5.1-2')).toBe('untested');
    expect(result.unaccounted.map((e) => e.req.id)).not.toContain('6455-5.1-1');
  });

  it('[wsref] only warns when a not-applicable entry is cited, and keeps its status', () => {
    const result = trace(catalogs, [testCase('[6455-5.4-8] intermediary rule')], { allowUntested: true });
    expect(errors(result.problems)).toEqual([]);
    expect(result.problems).toContainEqual({ level: 'warning', message: '6455-5.4-8 is not-applicable but cited by 1 test(s)' });
    expect(result.entries.find((e) => e.req.id === '6455-5.4-8')!.status).toBe('not-applicable');
  });

  it('[wsref] reports a missing catalog entry, an extra one, and a not-testable entry without reason', () => {
    const broken = withEntries((r) =>
      r.id === '6455-5.2-3' ? undefined
        : r.id === '6455-2-1' ? { ...r, reason: '' }
          : r.id === '7692-7.3-1' ? { ...r, id: '7692-7.3-2' } : r);
    expect(errors(validateCatalog(broken))).toEqual(expect.arrayContaining([
      'catalog 6455-2-1: not-testable needs a reason',
      'catalog is missing 6455-5.2-3',
      'catalog is missing 7692-7.3-1',
      'catalog has 7692-7.3-2, which is not a requirement id',
    ]));
  });

  it('[wsref] orders ids numerically, section by section', () => {
    const ids = ['6455-10.2-1', '6455-9.1-1', '6455-9-2', '6455-4.10-1', '6455-4.2-1', '6455-4.2-10', '6455-4.2-2'];
    expect([...ids].sort(compareIds)).toEqual(['6455-4.2-1', '6455-4.2-2', '6455-4.2-10', '6455-4.10-1', '6455-9-2', '6455-9.1-1', '6455-10.2-1']);
  });
});

describe('outputs', () => {
  it('[wsref] escapes table cells so MDX sees no raw <, {, }, ` or unescaped |', () => {
    const cell = mdxCell('a | b <= 125 {x} `y` [z]\nnext');
    expect(cell).toBe('a \\| b &lt;= 125 &#123;x&#125; &#96;y&#96; \\[z\\] next');
    expect(cell).not.toMatch(/[<{}`\n]|[^\\]\|/);
  });

  it('[wsref] writes a page with the Docusaurus title, escaped test names, and the same bytes on every run', () => {
    const tests = [testCase('[6455-5.5-1] payload <= 125 | {ok}')];
    const md = renderMarkdown(trace(catalogs, tests, { allowUntested: true }));
    expect(md.startsWith('---\ntitle: Spec traceability matrix\n')).toBe(true);
    expect(md).toContain('\\[6455-5.5-1\\] payload &lt;= 125 \\| &#123;ok&#125;');
    expect(md).toContain('## RFC 7692: Compression Extensions for WebSocket');
    expect(renderMarkdown(trace(catalogs, [...tests].reverse(), { allowUntested: true }))).toBe(md);
    const json = JSON.parse(renderCoverageJson(trace(catalogs, tests, { allowUntested: true })));
    expect(json.requirements).toHaveLength(267);
    expect(json.requirements.find((r: { id: string }) => r.id === '6455-5.5-1').status).toBe('tested');
  });

  describe('command line', () => {
    let root = '';
    afterEach(() => { vi.restoreAllMocks(); if (root) rmSync(root, { recursive: true, force: true }); });
    const setUp = (testSource: string) => {
      root = mkdtempSync(join(tmpdir(), 'wsref-trace-'));
      mkdirSync(join(root, 'spec-tests', 'requirements'), { recursive: true });
      mkdirSync(join(root, 'spec-tests', 'core'), { recursive: true });
      for (const c of catalogs) cpSync(join(requirementsDir, `rfc${c.rfc}.json`), join(root, 'spec-tests', 'requirements', `rfc${c.rfc}.json`));
      writeFileSync(join(root, 'spec-tests', 'core', 'a.test.ts'), testSource);
      vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    };
    const page = () => join(root, 'docs', 'conformance', 'traceability.md');

    it('[wsref] fails strict, passes with --allow-untested and writes both outputs, then --check passes', () => {
      setUp(`it('[6455-5.1-1] masks', () => {});`);
      expect(main(['--check', '--allow-untested'], root)).toBe(1); // no page yet
      expect(existsSync(page())).toBe(false);
      expect(main([], root)).toBe(1);
      expect(main(['--allow-untested'], root)).toBe(0);
      expect(readFileSync(page(), 'utf8')).toContain('[`spec-tests/core/a.test.ts:1`](/conformance/tests/core/a/#L1) › \\[6455-5.1-1\\] masks');
      expect(JSON.parse(readFileSync(join(root, 'spec-tests', 'requirements', 'coverage.json'), 'utf8')).totals.tested).toBe(1);
      expect(main(['--check', '--allow-untested'], root)).toBe(0);
    });

    it('[wsref] exits non-zero on an unknown cited id even with --allow-untested, and on an unknown option', () => {
      setUp(`it('[6455-5.1-42] nope', () => {});`);
      expect(main(['--allow-untested'], root)).toBe(1);
      expect(main(['--bogus'], root)).toBe(2);
    });
  });
});

describe('requirement catalog', () => {
  it('[wsref] holds exactly the 267 requirement ids: 195 of RFC 6455, 63 of RFC 7692, 9 of RFC 8441, first 6455-2-1, last 8441-5-3', () => {
    expect(catalogs.map((c) => [c.rfc, c.requirements.length])).toEqual([[6455, 195], [7692, 63], [8441, 9]]);
    expect(all).toHaveLength(267);
    expect(all[0]!.id).toBe('6455-2-1');
    expect(all.at(-1)!.id).toBe('8441-5-3');
    expect(new Set(all.map((r) => r.id)).size).toBe(267);
    expect(all.map((r) => r.id).sort(compareIds)).toEqual(expectedIds());
  });

  it('[wsref] passes the tool\'s own validation without a single problem', () => {
    expect(validateCatalog(catalogs)).toEqual([]);
  });

  it('[wsref] gives every not-applicable / not-testable entry a reason, and implemented ones none', () => {
    for (const r of all) {
      if (r.status === 'implemented') expect(r.reason, r.id).toBeUndefined();
      else expect(r.reason?.trim().length ?? 0, r.id).toBeGreaterThan(20);
    }
  });

  it('[wsref] has a short summary in our own words for each entry (no capitalised MUST/SHALL/SHOULD copied over)', () => {
    for (const r of all) {
      expect(r.summary.trim().length, r.id).toBeGreaterThan(10);
      expect(r.summary.length, r.id).toBeLessThan(200);
      expect(r.summary, r.id).not.toMatch(/\b(MUST|SHALL|SHOULD|REQUIRED)\b/);
    }
    expect(new Set(all.map((r) => r.summary)).size).toBe(267);
  });

  it('[wsref] uses only the known roles and statuses, and rfc-editor.org section links', () => {
    for (const r of all) {
      expect(['client', 'server', 'both', 'extension', 'intermediary', 'iana', 'other'], r.id).toContain(r.role);
      expect(['implemented', 'not-applicable', 'not-testable'], r.id).toContain(r.status);
      expect(r.link, r.id).toBe(`https://www.rfc-editor.org/rfc/rfc${r.rfc}#section-${r.section}`);
    }
  });
});
