// A Docusaurus plugin that lets pages import result files other tools write, when they exist:
//
//   import results from '@wsref/data/performance-results';  // docs/performance-results.json (npm run bench)
//   import summary from '@wsref/data/autobahn-summary';     // autobahn/results/summary.json (npm run autobahn:report)
//
// Each import is the parsed file, or `null` when the file does not exist (or is not valid JSON),
// so the site builds before, during and after those tools run; the page then says how to produce
// the data. Every build copies the files (or `null`) into website/.docusaurus/wsref-data/ and the
// aliases always point there: a fixed path whose content changes, which webpack's cache notices
// (an alias that switched between two files would not be noticed).

import fs from 'node:fs';
import path from 'node:path';
import type { LoadContext, Plugin } from '@docusaurus/types';

/** The file's JSON text, or `null` when it is absent or not valid JSON. */
function readJson(file: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    JSON.parse(text);
    return text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') console.warn(`[wsref-data] ignoring ${file}: ${(error as Error).message}`);
    return 'null';
  }
}

export default function wsrefDataPlugin(context: LoadContext): Plugin {
  const repo = path.resolve(context.siteDir, '..');
  const sources: Record<string, string> = {
    'performance-results': path.join(repo, 'docs', 'performance-results.json'),
    'autobahn-summary': path.join(repo, 'autobahn', 'results', 'summary.json'),
  };
  const outDir = path.join(context.generatedFilesDir, 'wsref-data');
  const copyOf = (name: string) => path.join(outDir, `${name}.json`);
  return {
    name: 'wsref-data',
    getPathsToWatch() {
      return Object.values(sources);
    },
    async loadContent() {
      fs.mkdirSync(outDir, { recursive: true });
      for (const [name, file] of Object.entries(sources)) {
        const text = readJson(file);
        // Rewrite only on change, so an unchanged file keeps its webpack cache entry.
        const previous = fs.existsSync(copyOf(name)) ? fs.readFileSync(copyOf(name), 'utf8') : undefined;
        if (previous !== text) fs.writeFileSync(copyOf(name), text);
      }
    },
    configureWebpack() {
      const alias: Record<string, string> = {};
      for (const name of Object.keys(sources)) alias[`@wsref/data/${name}$`] = copyOf(name);
      return { resolve: { alias } };
    },
  };
}
