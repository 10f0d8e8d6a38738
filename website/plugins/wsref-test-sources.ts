// A Docusaurus plugin that publishes the spec tests' source on the site, one page per test file
// with an anchor per line (`/conformance/tests/core/frame-parser/#L42`), so that the
// traceability page (written by `npm run trace`) can link each requirement of RFC 6455 and
// RFC 7692 to the very lines of the tests that check it, with no code host involved.

import fs from 'node:fs';
import path from 'node:path';
import type { LoadContext, Plugin } from '@docusaurus/types';

/** What one test page shows. */
export interface TestSourceData {
  /** Repository-relative path: `spec-tests/core/frame-parser.test.ts`. */
  readonly file: string;
  readonly source: string;
}

/** The site route of a test file: `spec-tests/core/uri.test.ts` → `/conformance/tests/core/uri/`. */
export function testSourceRoute(file: string): string {
  const inside = file.replace(/^spec-tests\//, '').replace(/\.test\.ts$/, '');
  return `/conformance/tests/${inside}/`;
}

/** The `.test.ts` files under `dir`, repository-relative with forward slashes, sorted. */
export function listTestFiles(repo: string, dir = path.join(repo, 'spec-tests')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : listTestFiles(repo, full);
    return entry.name.endsWith('.test.ts') ? [path.relative(repo, full).split(path.sep).join('/')] : [];
  }).sort();
}

export default function wsrefTestSourcesPlugin(context: LoadContext): Plugin<TestSourceData[]> {
  const repo = path.resolve(context.siteDir, '..');
  return {
    name: 'wsref-test-sources',
    getPathsToWatch() {
      return [path.join(repo, 'spec-tests', '**', '*.test.ts')];
    },
    async loadContent() {
      return listTestFiles(repo).map((file) => ({ file, source: fs.readFileSync(path.join(repo, file), 'utf8') }));
    },
    async contentLoaded({ content, actions }) {
      for (const test of content) {
        const data = await actions.createData(`${test.file.replace(/[^a-z0-9]+/gi, '-')}.json`, JSON.stringify(test));
        actions.addRoute({
          path: testSourceRoute(test.file),
          component: '@site/src/components/TestSource/index.tsx',
          modules: { test: data },
          exact: true,
        });
      }
    },
  };
}
