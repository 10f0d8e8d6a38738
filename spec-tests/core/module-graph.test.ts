// src/README.md's layering, checked: the modules of src/ form no import cycle, so a learner can read
// them bottom-up (core rules and framing before the connection, the core before the Node layer),
// and src/core/ never imports from src/node/. Type-only imports count too: a cycle of types is
// still a cycle a reader has to untangle.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const srcDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** The relative imports and re-exports of one file, as absolute .ts paths. */
function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const targets: string[] = [];
  for (const statement of source.statements) {
    const specifier = (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) ? statement.moduleSpecifier : undefined;
    if (specifier && ts.isStringLiteral(specifier) && specifier.text.startsWith('.')) {
      targets.push(resolve(dirname(file), specifier.text.replace(/\.js$/, '.ts')));
    }
  }
  return targets;
}

/** Every cycle found by a depth-first walk, each as the list of files around it. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'visiting');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'visiting') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

const graph = new Map(sourceFiles(srcDir).map((file) => [file, importsOf(file)] as const));
const name = (file: string) => relative(srcDir, file);

describe('the module graph of src/', () => {
  it('[wsref] the cycle finder finds a cycle of three and none in a chain', () => {
    expect(findCycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual([['a', 'b', 'c', 'a']]);
    expect(findCycles(new Map([['a', ['b']], ['b', ['c']], ['c', []]]))).toEqual([]);
  });

  it('[wsref] no import cycle among the modules of src/ (src/README.md: read bottom-up)', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(findCycles(graph).map((cycle) => cycle.map(name).join(' → '))).toEqual([]);
  });

  it('[wsref] the core imports nothing from the Node layer', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      name(file).startsWith('core/') ? targets.filter((t) => name(t).startsWith('node/')).map((t) => `${name(file)} → ${name(t)}`) : [],
    );
    expect(upward).toEqual([]);
  });
});
