// The sans-I/O core must run unchanged in a browser (src/README.md): no file in src/core/ may
// import a Node module (by `node:` specifier or builtin name, statically, dynamically, or with
// require), use the `Buffer` or `process` globals, or pull in Node's types.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const coreDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'core');

/** Node builtins named in the project rules, plus everything Node itself lists (without the `_` internals). */
const NODE_BUILTINS = new Set([
  'fs', 'net', 'tls', 'http', 'https', 'http2', 'zlib', 'crypto', 'stream', 'events', 'buffer', 'timers', 'os', 'path',
  'child_process', 'worker_threads', 'url', 'util', 'dns', 'dgram', 'cluster', 'perf_hooks', 'string_decoder', 'v8', 'vm',
  'module', 'process', 'readline', 'assert', 'async_hooks', 'diagnostics_channel', 'querystring',
  ...builtinModules.filter((name) => !name.startsWith('_')),
]);
const FORBIDDEN_GLOBALS = new Set(['Buffer', 'process', 'require', '__dirname', '__filename']);

/** True if a module specifier names a Node module: `node:x`, `fs`, `fs/promises`, `stream/web`, … */
function isNodeSpecifier(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  return NODE_BUILTINS.has(specifier.split('/')[0]!);
}

/** Every problem in one source text: Node imports and uses of Node-only globals. */
function findNodeDependencies(source: string, fileName = 'x.ts'): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const problems: string[] = [];
  const at = (node: ts.Node) => `${fileName}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
  const checkSpecifier = (node: ts.Node, expression: ts.Expression | undefined) => {
    if (expression && ts.isStringLiteralLike(expression)) {
      if (isNodeSpecifier(expression.text)) problems.push(`${at(node)} imports "${expression.text}"`);
    } else if (expression) {
      problems.push(`${at(node)} imports a computed module name`);
    }
  };
  for (const ref of file.typeReferenceDirectives) {
    if (ref.fileName === 'node') problems.push(`${fileName} references the Node types`);
  }
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      checkSpecifier(node, node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      checkSpecifier(node, node.moduleReference.expression);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      checkSpecifier(node, node.argument.literal as ts.Expression);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      checkSpecifier(node, node.arguments[0]); // import('…')
    } else if (ts.isIdentifier(node) && FORBIDDEN_GLOBALS.has(node.text) && isGlobalReference(node)) {
      problems.push(`${at(node)} uses the Node global ${node.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return problems;
}

/**
 * Whether an identifier refers to a global rather than being a property name or a declaration:
 * `Buffer.from`, `typeof process`, `globalThis.Buffer` count; `x.process`, `{ process: 1 }` do not.
 */
function isGlobalReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) {
    // `globalThis.Buffer` / `globalThis.process` still reach the Node global.
    return ts.isIdentifier(parent.expression) && (parent.expression.text === 'globalThis' || parent.expression.text === 'global');
  }
  const isMemberName =
    ts.isPropertyAssignment(parent) ||
    ts.isPropertyDeclaration(parent) ||
    ts.isPropertySignature(parent) ||
    ts.isMethodDeclaration(parent) ||
    ts.isMethodSignature(parent) ||
    ts.isGetAccessorDeclaration(parent) ||
    ts.isSetAccessorDeclaration(parent) ||
    ts.isEnumMember(parent);
  if (isMemberName && parent.name === node) return false;
  if (ts.isQualifiedName(parent) && parent.right === node) return false;
  if (ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent)) return false;
  return true;
}

function coreFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return coreFiles(path);
    return /\.(c|m)?[jt]sx?$/.test(entry.name) ? [path] : [];
  });
}

describe('src/core imports nothing from Node', () => {
  it('[wsref] no file in src/core imports a Node module or uses Buffer/process', () => {
    const files = coreFiles(coreDir);
    expect(files.length).toBeGreaterThan(10);
    const problems = files.flatMap((path) => findNodeDependencies(readFileSync(path, 'utf8'), relative(coreDir, path)));
    expect(problems).toEqual([]);
  });

  it('[wsref] the scanner catches each way of reaching Node (so the check above can fail)', () => {
    const bad = [
      "import { readFileSync } from 'fs';",
      "import zlib from 'node:zlib';",
      "import type { Socket } from 'net';",
      "export { createHash } from 'crypto';",
      "export * from 'node:events';",
      "import * as fsp from 'fs/promises';",
      "import 'tls';",
      "const m = await import('node:http');",
      "const m = await import('https');",
      "const c = require('child_process');",
      "import os = require('os');",
      "type T = import('stream').Readable;",
      "const n = await import(name);",
      'const b = Buffer.from([1]);',
      'const e = process.env.X;',
      'let t: typeof process;',
      'const x = globalThis.Buffer;',
      'const x = globalThis.process;',
      'function f(b: Buffer) { return b; }',
      '/// <reference types="node" />\nexport {};',
      "import { setTimeout } from 'timers';",
      "import { Worker } from 'worker_threads';",
      "import { fileURLToPath } from 'url';",
      "import { inspect } from 'util';",
      "import { join } from 'path';",
      "import { Blob } from 'buffer';",
    ];
    for (const source of bad) expect(findNodeDependencies(source), source).not.toEqual([]);
  });

  it('[wsref] the scanner allows relative imports, web globals, and the words in comments, strings and property names', () => {
    const good = [
      "import { Opcode } from './frame.js';",
      "export * from './close.js';",
      'const d = new TextDecoder("utf-8", { fatal: true });',
      'globalThis.crypto.getRandomValues(new Uint8Array(4));',
      '// The Node layer passes a Buffer here; process it with care.',
      "const s = 'Buffer and process are only words here';",
      'const o = { process: 1, Buffer: 2 }; o.process; o.Buffer;',
      'interface X { process(): void; Buffer: number }',
      'class Y { process() {} }',
    ];
    for (const source of good) expect(findNodeDependencies(source), source).toEqual([]);
  });
});
