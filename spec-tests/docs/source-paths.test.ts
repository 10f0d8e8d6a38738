// The docs name source files: `src/core/framing/frame-parser.ts`, the `core/…` and `node/…`
// shorthand of the module tables, test files such as `node/limits.test.ts`, and sometimes a
// line (`frame-parser.ts:120`). When the core is regrouped or a file is split, those names
// must follow (issue #14). This reads the Markdown sources directly, without building the
// site: every named path must exist, every glob (`core/handshake/*.ts`) must match a file,
// and every line reference must lie inside its file. Links out of docs/ into the repository
// (`[connection.ts](../src/core/connection.ts)`, which Docusaurus publishes as a file) must
// reach a file too.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Markdown files under `dir` (relative to ROOT), recursively; docs/api/ is generated from the code and left out. */
function markdownUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory() && relative !== 'docs/api') found.push(...markdownUnder(relative));
    if (entry.isFile() && /\.mdx?$/.test(entry.name)) found.push(relative);
  }
  return found;
}

const PAGES = [
  ...markdownUnder('docs'),
  'README.md',
  'src/README.md',
  ...(existsSync(path.join(ROOT, 'src/core/README.md')) ? ['src/core/README.md'] : []),
  ...readdirSync(path.join(ROOT, 'website')).filter((name) => name.endsWith('.md')).map((name) => `website/${name}`),
];

/**
 * A path the docs name: it starts with `src/`, `spec-tests/`, or the tables' shorthand `core/`
 * or `node/`, is not part of a longer path or URL (nothing path-like right before it), and may
 * end in `:LINE` or `:FROM-TO`.
 */
const PATH_MENTION = /(?<![\w./@~-])((?:src|spec-tests|core|node)\/[\w./*-]*[\w*])(?::(\d+)(?:[-–](\d+))?)?/g;

interface Mention {
  page: string;
  line: number;
  path: string;
  fromLine?: number;
  toLine?: number;
}

function mentionsIn(page: string, text: string): Mention[] {
  const mentions: Mention[] = [];
  text.split('\n').forEach((content, index) => {
    for (const match of content.matchAll(PATH_MENTION)) {
      const [, named, from, to] = match;
      mentions.push({ page, line: index + 1, path: named!, fromLine: from ? Number(from) : undefined, toLine: to ? Number(to) : undefined });
    }
  });
  return mentions;
}

/**
 * Where a named path may live: from the repository root, and for the shorthand under src/
 * (modules) or, for `*.test.ts` names, under spec-tests/; a page under website/ may name the
 * site's own src/ too.
 */
function candidatesFor(page: string, named: string): string[] {
  const shorthandRoot = named.endsWith('.test.ts') ? 'spec-tests/' : 'src/';
  const roots = ['', shorthandRoot, ...(page.startsWith('website/') ? ['website/'] : [])];
  return roots.map((root) => `${root}${named}`);
}

/** Every file under `dir` (relative to ROOT), recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    return entry.isDirectory() ? filesUnder(relative) : [relative];
  });
}

/** The files a glob names: `*` within one path segment, `**` across any number of folders. */
function globMatches(candidate: string): string[] {
  const fixed = candidate.slice(0, candidate.indexOf('*'));
  const base = fixed.includes('/') ? fixed.slice(0, fixed.lastIndexOf('/')) : '.';
  if (!existsSync(path.join(ROOT, base)) || !statSync(path.join(ROOT, base)).isDirectory()) return [];
  const escaped = candidate.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^${escaped.replace(/\*\*\//g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '(?:[^/]+/)*')}$`);
  return filesUnder(base).filter((file) => pattern.test(file));
}

/** The files (or directories) a mention names, empty when it names none. */
function resolve(mention: Mention): string[] {
  for (const candidate of candidatesFor(mention.page, mention.path)) {
    if (candidate.includes('*')) {
      const matches = globMatches(candidate);
      if (matches.length > 0) return matches;
    } else if (existsSync(path.join(ROOT, candidate))) {
      return [candidate];
    }
  }
  return [];
}

/** A Markdown link target that climbs out of the page's folder: `](../src/core/connection.ts)`. */
const RELATIVE_LINK = /\]\(((?:\.\.\/)+[^)\s#]+)(?:#[^)]*)?\)/g;

/** Relative links from `page` that leave docs/ (links between pages are Docusaurus's to check), as repository paths. */
function linksOutOfDocs(page: string, text: string): { page: string; target: string }[] {
  return [...text.matchAll(RELATIVE_LINK)]
    .map((match) => ({ page, target: path.posix.normalize(path.posix.join(path.posix.dirname(page), match[1]!)) }))
    .filter(({ target }) => !target.startsWith('docs/'));
}

const lineCount = (file: string) => readFileSync(path.join(ROOT, file), 'utf8').split('\n').length;
const where = (m: Mention) => `${m.page}:${m.line} names ${m.path}${m.fromLine ? `:${m.fromLine}` : ''}`;

const texts = new Map(PAGES.map((page) => [page, readFileSync(path.join(ROOT, page), 'utf8')]));
const mentions = PAGES.flatMap((page) => mentionsIn(page, texts.get(page)!));

describe('source paths in the docs', () => {
  it('[wsref] the pattern finds paths, shorthand, globs and line references, but not paths inside URLs or longer paths', () => {
    const found = mentionsIn('docs/x.md', [
      '| §5.2 | `core/framing/frame-parser.ts` | see src/core/connection.ts:42 and `core/handshake/*.ts` |',
      'tested in `node/limits.test.ts`; lines spec-tests/core/uri.test.ts:6-12',
      'not https://github.com/o/wsref/blob/main/src/core/x.ts, website/src/lib/y.ts, ../src/z.ts, node_modules/ws or a node/ alone',
    ].join('\n'));
    expect(found.map((m) => [m.line, m.path, m.fromLine, m.toLine])).toEqual([
      [1, 'core/framing/frame-parser.ts', undefined, undefined],
      [1, 'src/core/connection.ts', 42, undefined],
      [1, 'core/handshake/*.ts', undefined, undefined],
      [2, 'node/limits.test.ts', undefined, undefined],
      [2, 'spec-tests/core/uri.test.ts', 6, 12],
    ]);
    expect(resolve({ page: 'docs/x.md', line: 1, path: 'core/framing/frame-parser.ts' })).toEqual(['src/core/framing/frame-parser.ts']);
    expect(resolve({ page: 'docs/x.md', line: 1, path: 'core/frame-parser.ts' })).toEqual([]);
    expect(resolve({ page: 'docs/x.md', line: 1, path: 'core/framing/frame-*.ts' }).length).toBeGreaterThanOrEqual(2);
    // Shorthand for a module is looked up in src/, for a test file in spec-tests/, never the other way round.
    expect(resolve({ page: 'docs/x.md', line: 1, path: 'node/limits.test.ts' })).toEqual(['spec-tests/node/limits.test.ts']);
    expect(resolve({ page: 'docs/x.md', line: 1, path: 'core/handshake-*.ts' })).toEqual([]);
    expect(resolve({ page: 'docs/x.md', line: 1, path: 'src/core/**/*.ts' })).toContain('src/core/framing/frame-parser.ts');
    expect(resolve({ page: 'docs/x.md', line: 1, path: 'src/core/**/*.ts' })).toContain('src/core/connection.ts');
    expect(resolve({ page: 'docs/x.md', line: 1, path: 'src/core/**/*.md' })).toEqual(['src/core/README.md']);
    const links = linksOutOfDocs('docs/tutorials/x.md', '[a](../../src/core/connection.ts) [b](../states.md#top) [c](../../spec-tests/core/uri.test.ts#L6)');
    expect(links).toEqual([{ page: 'docs/tutorials/x.md', target: 'src/core/connection.ts' }, { page: 'docs/tutorials/x.md', target: 'spec-tests/core/uri.test.ts' }]);
  });

  it('[wsref] the pages name source paths at all (the check is not vacuous)', () => {
    expect(PAGES).toContain('src/README.md');
    expect(PAGES).toContain('docs/states.md');
    expect(mentions.filter((m) => m.page === 'src/README.md').length).toBeGreaterThan(20);
  });

  it('[wsref] every src/…, core/…, node/… and spec-tests/… path the docs name exists', () => {
    const missing = mentions.filter((m) => resolve(m).length === 0).map(where);
    expect(missing).toEqual([]);
  });

  it('[wsref] src/README.md, the map from RFC sections to modules, has a row for every module in src/', () => {
    const named = new Set(mentions.filter((m) => m.page === 'src/README.md').flatMap(resolve));
    const modules = filesUnder('src').filter((file) => file.endsWith('.ts') && file !== 'src/index.ts');
    expect(modules.length).toBeGreaterThan(30);
    expect(modules.filter((file) => !named.has(file)), 'modules without a row in src/README.md').toEqual([]);
  });

  it('[wsref] every link from a page out of docs/ into the repository reaches a file', () => {
    const links = PAGES.flatMap((page) => linksOutOfDocs(page, texts.get(page)!));
    expect(links.length).toBeGreaterThan(0);
    const broken = links.filter(({ target }) => !existsSync(path.join(ROOT, target))).map(({ page, target }) => `${page} links to ${target}`);
    expect(broken).toEqual([]);
  });

  it('[wsref] every file.ts:LINE reference lies inside its file', () => {
    // The traceability page's test lines are generated by npm run trace and checked, more
    // strictly (the line is that test's it() call), by traceability.test.ts.
    const outside = mentions
      .filter((m) => m.fromLine !== undefined && m.page !== 'docs/conformance/traceability.md')
      .filter((m) => {
        const [file] = resolve(m);
        if (!file || !statSync(path.join(ROOT, file)).isFile()) return true;
        const lines = lineCount(file);
        return m.fromLine! < 1 || m.fromLine! > lines || (m.toLine !== undefined && (m.toLine < m.fromLine! || m.toLine > lines));
      })
      .map(where);
    expect(outside).toEqual([]);
  });
});
