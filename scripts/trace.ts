// Spec traceability (RFC 6455, RFC 7692, RFC 8441; key words per BCP 14, RFC 2119/8174):
// maps every normative sentence in the requirement catalog (spec-tests/requirements/) to the
// tests whose names cite its id, prints coverage, and writes docs/conformance/traceability.md
// plus spec-tests/requirements/coverage.json.
//
//   npm run trace                       strict: fails on any untested MUST/SHOULD-level entry
//   npm run trace -- --allow-untested   local work in progress only
//   npm run trace -- --check            verify (including that the docs page is current), write nothing
//
// Each output is written only when its content changed: an unchanged page keeps its mtime, so
// `npm start` (scripts/ensure-docs-built.mjs) does not rebuild the site after every `npm test`.
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { listTestFiles, testSourceRoute } from '../website/plugins/wsref-test-sources.js';

export type Role = 'client' | 'server' | 'both' | 'extension' | 'intermediary' | 'iana' | 'other';
export type DeclaredStatus = 'implemented' | 'not-applicable' | 'not-testable';
export type TracedStatus = 'tested' | 'untested' | 'not-applicable' | 'not-testable';

export interface Requirement {
  id: string; rfc: number; section: string; sectionTitle: string; keywords: string[];
  role: Role; summary: string; status: DeclaredStatus; reason?: string; link: string;
}
export interface RfcCatalog { rfc: number; title: string; url: string; requirements: Requirement[] }
export interface TestCase {
  file: string; name: string; ids: string[]; wsref: boolean;
  /** 1-based line of the `it(…)` call (absent for cases built by hand). */
  line?: number;
  /** `it.skip`, `it.todo`, `it.fails`: present but verifies nothing, so it covers nothing. */
  skipped: boolean;
  /** Part of the name is only known at run time (`${x}`, an unresolved `it.each` table). */
  dynamic: boolean;
  malformed: string[];
}
export interface Problem { level: 'error' | 'warning'; message: string }
export interface TracedTest { file: string; name: string; line?: number }
export interface TracedEntry { req: Requirement; status: TracedStatus; tests: TracedTest[] }
export interface Tally { total: number; tested: number; untested: number; notApplicable: number; notTestable: number }
export interface TraceResult {
  catalogs: RfcCatalog[]; entries: TracedEntry[]; tests: TestCase[]; problems: Problem[];
  unaccounted: TracedEntry[];
  byRfc: [string, Tally][]; bySection: [string, Tally][]; byKeyword: [string, Tally][];
}

/** Sentences per section in requirements.json: ids are `<rfc>-<section>-<1..n>`, 267 in all. */
export const EXPECTED_SECTIONS = (
  '6455-2:1 6455-2.1:1 6455-3:3 6455-4.1:42 6455-4.2:1 6455-4.2.1:2 6455-4.2.2:12 6455-4.3:1 ' +
  '6455-4.4:1 6455-5.1:7 6455-5.2:10 6455-5.3:3 6455-5.4:12 6455-5.5:1 6455-5.5.1:10 6455-5.5.2:4 ' +
  '6455-5.5.3:2 6455-5.6:1 6455-5.8:1 6455-6.1:9 6455-6.2:7 6455-7.1.1:5 6455-7.1.2:2 6455-7.1.7:6 ' +
  '6455-7.2.1:3 6455-7.2.2:1 6455-7.2.3:4 6455-7.3:2 6455-7.4:1 6455-7.4.1:6 6455-8.1:1 6455-9:3 ' +
  '6455-9.1:7 6455-9.2:1 6455-10.2:2 6455-10.3:1 6455-10.4:2 6455-10.6:1 6455-10.7:4 6455-11.1.1:2 ' +
  '6455-11.1.2:2 6455-11.3.1:1 6455-11.3.2:2 6455-11.3.3:1 6455-11.3.4:2 6455-11.3.5:2 7692-4:2 ' +
  '7692-5:13 7692-6.1:4 7692-6.2:2 7692-7:2 7692-7.1.1.1:3 7692-7.1.1.2:3 7692-7.1.2.1:4 ' +
  '7692-7.1.2.2:5 7692-7.2.1:14 7692-7.2.2:10 7692-7.3:1 8441-3:3 8441-4:3 8441-5:3'
).split(' ').map((pair) => pair.split(':') as [string, string]);

export function expectedIds(): string[] {
  return EXPECTED_SECTIONS.flatMap(([sec, n]) => Array.from({ length: Number(n) }, (_, i) => `${sec}-${i + 1}`));
}

const ID_RE = /^(\d{4})-(\d+(?:\.\d+)*)-(\d+)$/;
const ROLES: readonly Role[] = ['client', 'server', 'both', 'extension', 'intermediary', 'iana', 'other'];
const DECLARED: readonly DeclaredStatus[] = ['implemented', 'not-applicable', 'not-testable'];
const KEYWORDS = ['MUST', 'MUST NOT', 'REQUIRED', 'SHALL', 'SHALL NOT', 'SHOULD', 'SHOULD NOT',
  'RECOMMENDED', 'NOT RECOMMENDED', 'MAY', 'OPTIONAL'];
/** Key words whose `implemented` entries must have a test (RFC 2119: REQUIRED/SHALL = MUST, RECOMMENDED = SHOULD). */
export const STRICT_KEYWORDS = new Set(KEYWORDS.slice(0, 9));

/** Orders ids (and `rfc-section` keys) numerically: 6455-9-2 < 6455-9.1-1 < 6455-9.2-1 < 6455-10.2-1. */
export function compareIds(a: string, b: string): number {
  const parts = (id: string) => id.split('-').map((p) => p.split('.').map(Number));
  const pa = parts(a), pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? [], y = pb[i] ?? [];
    for (let j = 0; j < Math.max(x.length, y.length); j++) {
      const d = (x[j] ?? -1) - (y[j] ?? -1);
      if (d !== 0) return d;
    }
  }
  return 0;
}

/**
 * Finds the requirement ids a test name cites: bracket groups such as `[6455-5.2-3]`,
 * `[6455-5.2-3, 7692-7.1-2]` or `[6455-5.2-3][6455-5.1-1]`; `[wsref]` marks a project-only test.
 * Brackets that do not look like citations (`[object]`) are ignored; near misses are `malformed`.
 */
export function parseCitations(name: string): { ids: string[]; wsref: boolean; malformed: string[] } {
  const ids: string[] = [], malformed: string[] = [];
  let wsref = false;
  for (const [, body = ''] of name.matchAll(/\[([^[\]]*)\]/g)) {
    const items = body.split(',').map((s) => s.trim());
    const looksCited = items.some((s) => /^\d{4}-/.test(s) || /^wsref$/i.test(s));
    if (!looksCited) continue;
    for (const item of items) {
      if (item === 'wsref') wsref = true;
      else if (ID_RE.test(item)) { if (!ids.includes(item)) ids.push(item); }
      else malformed.push(item);
    }
  }
  return { ids, wsref, malformed };
}

// ---- Test-name extraction from source, with the TypeScript parser (no regex guessing) ----

const TEST_FNS = new Set(['it', 'test']);
const SUITE_FNS = new Set(['describe', 'suite']);
const NOT_RUN = new Set(['skip', 'todo', 'fails']);
const DYN = '${…}';

type Lit = string | number | boolean | null | Lit[] | { [k: string]: Lit };

/** Every test in one file's source; `file` is only used to label the results. */
export function extractTests(source: string, file: string): TestCase[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const consts = new Map<string, ts.Expression>();
  const collect = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) consts.set(n.name.text, n.initializer);
    ts.forEachChild(n, collect);
  };
  collect(sf);
  const unwrap = (e: ts.Expression): ts.Expression =>
    ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) ? unwrap(e.expression) : e;

  const text = (e: ts.Expression, depth = 0): { text: string; dynamic: boolean } => {
    e = unwrap(e);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return { text: e.text, dynamic: false };
    if (ts.isTemplateExpression(e)) {
      return { text: e.head.text + e.templateSpans.map((s) => DYN + s.literal.text).join(''), dynamic: true };
    }
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      const l = text(e.left, depth), r = text(e.right, depth);
      return { text: l.text + r.text, dynamic: l.dynamic || r.dynamic };
    }
    const init = ts.isIdentifier(e) && depth < 5 ? consts.get(e.text) : undefined;
    return init ? text(init, depth + 1) : { text: DYN, dynamic: true };
  };
  const literal = (e: ts.Expression, depth = 0): Lit | undefined => {
    e = unwrap(e);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
    if (ts.isNumericLiteral(e)) return Number(e.text);
    if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
    if (e.kind === ts.SyntaxKind.FalseKeyword) return false;
    if (e.kind === ts.SyntaxKind.NullKeyword) return null;
    if (ts.isArrayLiteralExpression(e)) {
      const items = e.elements.map((x) => literal(x, depth));
      return items.every((x) => x !== undefined) ? (items as Lit[]) : undefined;
    }
    if (ts.isObjectLiteralExpression(e)) {
      const obj: { [k: string]: Lit } = {};
      for (const p of e.properties) {
        if (!ts.isPropertyAssignment(p) || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) return undefined;
        const v = literal(p.initializer, depth);
        if (v === undefined) return undefined;
        obj[p.name.text] = v;
      }
      return obj;
    }
    const init = ts.isIdentifier(e) && depth < 5 ? consts.get(e.text) : undefined;
    return init ? literal(init, depth + 1) : undefined;
  };

  /** `it`, `it.skip`, `it.each(t)`, `test.concurrent.each(t)`, `it.skipIf(c)`…: root, modifiers, table. */
  const callee = (e: ts.Expression): { root: string; mods: string[]; table?: ts.Expression } | undefined => {
    if (ts.isIdentifier(e)) return { root: e.text, mods: [] };
    if (ts.isPropertyAccessExpression(e)) {
      const inner = callee(e.expression);
      return inner && !inner.table ? { ...inner, mods: [...inner.mods, e.name.text] } : undefined;
    }
    if (ts.isCallExpression(e)) {
      const inner = callee(e.expression);
      const last = inner?.mods.at(-1);
      if (!inner || inner.table || !last) return undefined;
      if (last === 'each' || last === 'for') return { ...inner, table: e.arguments[0] ?? e };
      if (last === 'skipIf' || last === 'runIf') return { ...inner, mods: inner.mods.slice(0, -1) };
    }
    return undefined;
  };

  const tests: TestCase[] = [];
  const visit = (node: ts.Node, suites: { text: string; dynamic: boolean }[]): void => {
    if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const c = callee(node.expression);
      const isTest = c && TEST_FNS.has(c.root), isSuite = c && SUITE_FNS.has(c.root);
      if (c && (isTest || isSuite)) {
        const [nameArg, ...rest] = node.arguments;
        const names = expandEach(text(nameArg!), c.table ? literal(c.table) : undefined, !!c.table);
        const skipped = c.mods.some((m) => NOT_RUN.has(m));
        if (isTest) {
          const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
          for (const n of names) {
            const full = [...suites.map((s) => s.text), n.text].join(' › ');
            const own = parseCitations(full);
            tests.push({ file, line, name: full, ids: own.ids, wsref: own.wsref, skipped,
              dynamic: n.dynamic || suites.some((s) => s.dynamic), malformed: own.malformed });
          }
          return;
        }
        // A describe.each body runs once per row, so its tests are listed once per row too.
        for (const label of names) for (const arg of rest) visit(arg, [...suites, label]);
        return;
      }
    }
    ts.forEachChild(node, (child) => visit(child, suites));
  };
  visit(sf, []);
  return tests;
}

/** Names of an `each`/`for` table's cases, formatted the way vitest does (%s %d %i %f %j %o %# %$ %%, $key). */
function expandEach(name: { text: string; dynamic: boolean }, table: Lit | undefined, isEach: boolean) {
  if (!isEach) return [name];
  if (!Array.isArray(table)) return [{ text: name.text, dynamic: true }];
  return table.map((row, index) => {
    const args: Lit[] = Array.isArray(row) ? row : [row];
    let next = 0;
    let out = name.text.replace(/%[sdifjoO#$%]/g, (spec) => {
      if (spec === '%%') return '%';
      if (spec === '%#') return String(index);
      if (spec === '%$') return String(index + 1);
      const v = args[next++];
      if (spec === '%d' || spec === '%i') return String(Math.trunc(Number(v)));
      if (spec === '%f') return String(Number(v));
      return spec === '%s' ? String(v) : JSON.stringify(v);
    });
    if (row && typeof row === 'object' && !Array.isArray(row)) {
      out = out.replace(/\$([A-Za-z_][\w.]*)/g, (m, path: string) => {
        let v: Lit | undefined = row;
        for (const k of path.split('.')) v = v && typeof v === 'object' && !Array.isArray(v) ? v[k] : undefined;
        return v === undefined ? m : typeof v === 'string' ? v : JSON.stringify(v);
      });
    }
    return { text: out, dynamic: name.dynamic };
  });
}

// ---- Catalog ----

export function loadCatalogs(dir: string): RfcCatalog[] {
  return readdirSync(dir).filter((f) => /^rfc\d+\.json$/.test(f)).sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as RfcCatalog);
}

/** Schema, id set and reasons: everything about the catalog that can be wrong on its own. */
export function validateCatalog(catalogs: RfcCatalog[], expected: string[] = expectedIds()): Problem[] {
  const problems: Problem[] = [];
  const err = (message: string) => problems.push({ level: 'error', message });
  const seen = new Set<string>();
  for (const cat of catalogs) {
    for (const r of cat.requirements) {
      const where = `catalog ${r.id ?? '(no id)'}`;
      const m = ID_RE.exec(String(r.id));
      if (!m) { err(`${where}: id is not of the form 6455-5.2-3`); continue; }
      if (seen.has(r.id)) err(`${where}: duplicate id`);
      seen.add(r.id);
      if (r.rfc !== cat.rfc || String(r.rfc) !== m[1] || r.section !== m[2]) err(`${where}: rfc/section do not match the id`);
      if (r.link !== `https://www.rfc-editor.org/rfc/rfc${r.rfc}#section-${r.section}`) err(`${where}: link is not the section's rfc-editor.org address`);
      if (!r.sectionTitle) err(`${where}: sectionTitle is empty`);
      if (!Array.isArray(r.keywords) || r.keywords.length === 0 || r.keywords.some((k) => !KEYWORDS.includes(k))) err(`${where}: keywords must be BCP 14 key words`);
      if (!ROLES.includes(r.role)) err(`${where}: role "${r.role}" is not one of ${ROLES.join(', ')}`);
      if (!DECLARED.includes(r.status)) err(`${where}: status "${r.status}" is not one of ${DECLARED.join(', ')}`);
      if (typeof r.summary !== 'string' || !r.summary.trim() || r.summary.length >= 200) err(`${where}: summary must be 1-199 characters`);
      if (r.status !== 'implemented' && !r.reason?.trim()) err(`${where}: ${r.status} needs a reason`);
      if (r.status === 'implemented' && r.reason !== undefined) problems.push({ level: 'warning', message: `${where}: implemented entries carry no reason` });
    }
  }
  for (const id of expected) if (!seen.has(id)) err(`catalog is missing ${id}`);
  const want = new Set(expected);
  for (const id of seen) if (!want.has(id)) err(`catalog has ${id}, which is not a requirement id`);
  return problems;
}

// ---- Tracing ----

function tally(entries: TracedEntry[]): Tally {
  const count = (s: TracedStatus) => entries.filter((e) => e.status === s).length;
  return { total: entries.length, tested: count('tested'), untested: count('untested'),
    notApplicable: count('not-applicable'), notTestable: count('not-testable') };
}
function group(entries: TracedEntry[], keys: (e: TracedEntry) => string[], order: (a: string, b: string) => number) {
  const map = new Map<string, TracedEntry[]>();
  for (const e of entries) for (const k of keys(e)) map.set(k, [...(map.get(k) ?? []), e]);
  return [...map.keys()].sort(order).map((k): [string, Tally] => [k, tally(map.get(k)!)]);
}
const isStrict = (r: Requirement) => r.keywords.some((k) => STRICT_KEYWORDS.has(k));

export function trace(catalogs: RfcCatalog[], tests: TestCase[], opts: { allowUntested?: boolean } = {}): TraceResult {
  const problems = validateCatalog(catalogs);
  const reqs = catalogs.flatMap((c) => c.requirements).sort((a, b) => compareIds(a.id, b.id));
  const byId = new Map(reqs.map((r) => [r.id, r]));
  const covering = new Map<string, TracedTest[]>();
  const warn = (message: string) => problems.push({ level: 'warning', message });
  for (const t of tests) {
    const at = `${t.file}: "${t.name}"`;
    for (const bad of t.malformed) problems.push({ level: 'error', message: `${at} cites malformed id "${bad}"` });
    if (t.ids.length === 0 && !t.wsref) warn(`${at} cites no requirement id and is not marked [wsref]`);
    if (t.dynamic && t.ids.length === 0) warn(`${at} has a name built at run time; its ids cannot be traced`);
    for (const id of t.ids) {
      if (!byId.has(id)) { problems.push({ level: 'error', message: `${at} cites ${id}, which is not in the catalog` }); continue; }
      if (t.skipped) { warn(`${at} cites ${id} but is skipped/todo/fails, so it does not count`); continue; }
      covering.set(id, [...(covering.get(id) ?? []), { file: t.file, name: t.name, ...(t.line ? { line: t.line } : {}) }]);
    }
  }
  const entries = reqs.map((req): TracedEntry => {
    const key = (x: TracedTest) => `${x.file}\0${x.name}`;
    const cov = (covering.get(req.id) ?? []).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const status: TracedStatus = req.status !== 'implemented' ? req.status : cov.length ? 'tested' : 'untested';
    if (req.status !== 'implemented' && cov.length) warn(`${req.id} is ${req.status} but cited by ${cov.length} test(s)`);
    return { req, status, tests: cov };
  });
  const unaccounted = entries.filter((e) => e.status === 'untested' && isStrict(e.req));
  if (unaccounted.length) {
    problems.push({ level: opts.allowUntested ? 'warning' : 'error',
      message: `${unaccounted.length} implemented MUST/SHOULD-level requirement(s) have no test` });
  }
  return {
    catalogs, entries, tests, problems, unaccounted,
    byRfc: group(entries, (e) => [`RFC ${e.req.rfc}`], (a, b) => a.localeCompare(b)),
    bySection: group(entries, (e) => [`${e.req.rfc}-${e.req.section}`], compareIds),
    byKeyword: group(entries, (e) => e.req.keywords, (a, b) => KEYWORDS.indexOf(a) - KEYWORDS.indexOf(b)),
  };
}

// ---- Output ----

const pct = (t: Tally) => (t.tested + t.untested ? `${((100 * t.tested) / (t.tested + t.untested)).toFixed(1)}%` : 'n/a');
const line = (label: string, t: Tally) =>
  `  ${label.padEnd(16)} ${String(t.tested).padStart(3)}/${String(t.tested + t.untested).padEnd(3)} tested (${pct(t)})` +
  `  untested ${t.untested}  not-applicable ${t.notApplicable}  not-testable ${t.notTestable}`;
/** Ids grouped per section on one line each: `6455-4.1: 2 3 4`. */
export function compactIds(entries: TracedEntry[]): string[] {
  const map = new Map<string, string[]>();
  for (const { req } of entries) map.set(`${req.rfc}-${req.section}`, [...(map.get(`${req.rfc}-${req.section}`) ?? []), req.id.split('-')[2]!]);
  return [...map].map(([sec, ns]) => `${sec}: ${ns.join(' ')}`);
}

export function renderConsole(r: TraceResult): string {
  const cited = r.tests.filter((t) => t.ids.length).length, wsref = r.tests.filter((t) => t.wsref).length;
  const files = new Set(r.tests.map((t) => t.file)).size;
  const titles = new Map(r.entries.map((e) => [`${e.req.rfc}-${e.req.section}`, e.req.sectionTitle]));
  return [
    `Spec traceability: ${r.entries.length} requirements; ${r.tests.length} tests in ${files} files (${cited} cite ids, ${wsref} [wsref])`,
    'By RFC:', ...r.byRfc.map(([k, t]) => line(k, t)), line('all', tally(r.entries)),
    'By key word:', ...r.byKeyword.map(([k, t]) => line(k, t)),
    'By section:', ...r.bySection.map(([k, t]) => `${line(k, t)}  ${titles.get(k)}`),
    `Unaccounted (implemented MUST/MUST NOT/SHOULD/SHOULD NOT/RECOMMENDED, no test): ${r.unaccounted.length}`,
    ...compactIds(r.unaccounted).map((s) => `  ${s}`),
    ...r.problems.map((p) => `${p.level}: ${p.message}`),
  ].join('\n') + '\n';
}

/** Escapes a table cell for MDX: pipes, angle brackets, braces, backticks and link/emphasis marks. */
export function mdxCell(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/[\\*[\]|]/g, (c) => `\\${c}`)
    .replace(/`/g, '&#96;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\{/g, '&#123;').replace(/\}/g, '&#125;');
}

/** A test's file and line, linked to that line of the test's page on the site (website/plugins/wsref-test-sources.ts). */
export function testLink(test: TracedTest): string {
  if (!test.line) return `\`${test.file}\``;
  return `[\`${test.file}:${test.line}\`](${testSourceRoute(test.file)}#L${test.line})`;
}

export function renderMarkdown(r: TraceResult): string {
  const row = (label: string, t: Tally) =>
    `| ${label} | ${t.total} | ${t.tested} | ${t.untested} | ${t.notApplicable} | ${t.notTestable} | ${pct(t)} |`;
  const head = '| | requirements | tested | untested | not applicable | not testable | coverage |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |';
  const out = [
    '---', 'title: Spec traceability matrix',
    'description: Every normative sentence of RFC 6455, RFC 7692 and RFC 8441, its status in wsref, and the tests that verify it.',
    '---', '',
    'This page is generated by `npm run trace` from the requirement catalog in `spec-tests/requirements/` and the names of the tests in `spec-tests/`; do not edit it by hand.',
    'Each row is one sentence of the RFC that contains a key word in capitals (MUST, SHOULD, MAY, …), summarized in our own words; follow the id to read the RFC text.',
    '', 'Statuses: **tested** — at least one test names the id; **untested** — applies to wsref, no test yet; **not applicable** — binds someone else (intermediaries, IANA, specification authors) or a feature wsref does not have; **not testable** — nothing observable could confirm or refute it. Coverage is tested ÷ (tested + untested).',
    '', '## Overall', '', head, ...r.byRfc.map(([k, t]) => row(k, t)), row('**all**', tally(r.entries)),
    '', '## By key word', '', head.replace('| |', '| key word |'), ...r.byKeyword.map(([k, t]) => row(k, t)),
  ];
  for (const cat of [...r.catalogs].sort((a, b) => a.rfc - b.rfc)) {
    out.push('', `## RFC ${cat.rfc}: ${mdxCell(cat.title)}`);
    for (const [sec, t] of r.bySection.filter(([k]) => k.startsWith(`${cat.rfc}-`))) {
      const rows = r.entries.filter((e) => `${e.req.rfc}-${e.req.section}` === sec);
      const first = rows[0]!.req;
      out.push('', `### §${first.section} ${mdxCell(first.sectionTitle)}`, '',
        `[RFC ${cat.rfc} §${first.section}](${first.link}) — requirements: ${t.total}, tested: ${t.tested}, untested: ${t.untested}.`, '',
        '| id | key word | role | summary | status | tests or reason |', '| --- | --- | --- | --- | --- | --- |');
      for (const e of rows) {
        const detail = e.tests.length ? e.tests.map((x) => `${testLink(x)} › ${mdxCell(x.name)}`).join('<br />') : mdxCell(e.req.reason ?? '');
        out.push(`| [${e.req.id}](${e.req.link}) | ${e.req.keywords.join(', ')} | ${e.req.role} | ${mdxCell(e.req.summary)} | ${e.status.replace('-', ' ')} | ${detail} |`);
      }
    }
  }
  return out.join('\n') + '\n';
}

export function renderCoverageJson(r: TraceResult): string {
  const t = (x: Tally) => ({ ...x, coverage: x.tested + x.untested ? x.tested / (x.tested + x.untested) : null });
  return JSON.stringify({
    generatedBy: 'npm run trace', totals: t(tally(r.entries)),
    byRfc: Object.fromEntries(r.byRfc.map(([k, x]) => [k, t(x)])),
    byKeyword: Object.fromEntries(r.byKeyword.map(([k, x]) => [k, t(x)])),
    bySection: Object.fromEntries(r.bySection.map(([k, x]) => [k, t(x)])),
    unaccounted: r.unaccounted.map((e) => e.req.id),
    requirements: r.entries.map((e) => ({ id: e.req.id, keywords: e.req.keywords, role: e.req.role,
      declared: e.req.status, status: e.status, tests: e.tests })),
    problems: r.problems,
  }, null, 2) + '\n';
}

// ---- Command line ----

/** Every test of the repository at `root`, read from the sources of spec-tests/. */
export function collectTests(root: string): TestCase[] {
  return listTestFiles(root).flatMap((file) => extractTests(readFileSync(join(root, file), 'utf8'), file));
}

/** Writes `text` unless the file already holds exactly it (an untouched file keeps its mtime, so
 * `npm start` does not rebuild the site for a page that did not change). Returns whether it wrote. */
export function writeIfChanged(file: string, text: string): boolean {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return false;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return true;
}

export function main(argv: string[], root = fileURLToPath(new URL('..', import.meta.url))): number {
  const allowUntested = argv.includes('--allow-untested'), check = argv.includes('--check');
  const unknown = argv.filter((a) => a !== '--allow-untested' && a !== '--check');
  if (unknown.length) { process.stderr.write(`trace: unknown option ${unknown.join(' ')}\n`); return 2; }
  const reqDir = join(root, 'spec-tests', 'requirements');
  const tests = collectTests(root);
  const result = trace(loadCatalogs(reqDir), tests, { allowUntested });
  const mdPath = join(root, 'docs', 'conformance', 'traceability.md');
  const markdown = renderMarkdown(result);
  if (check) {
    const current = existsSync(mdPath) ? readFileSync(mdPath, 'utf8') : '';
    if (current !== markdown) result.problems.push({ level: 'error', message: 'docs/conformance/traceability.md is out of date: run npm run trace' });
  } else {
    writeIfChanged(mdPath, markdown);
    writeIfChanged(join(reqDir, 'coverage.json'), renderCoverageJson(result));
  }
  process.stdout.write(renderConsole(result));
  const errors = result.problems.filter((p) => p.level === 'error').length;
  process.stdout.write(errors ? `trace: FAILED with ${errors} error(s)\n` : 'trace: OK\n');
  return errors ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main(process.argv.slice(2));
