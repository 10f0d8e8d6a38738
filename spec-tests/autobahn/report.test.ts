// autobahn/report.ts and report-model.ts: reading the suite's index.json (hand-made fixtures in
// fixtures/reports/), counting outcomes per case group, listing what did not pass, writing the
// summary and the docs page, and the exit status.

import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runReport } from '../../autobahn/report.js';
import {
  chooseAgent,
  compareCaseIds,
  outcomeOf,
  plainText,
  renderMarkdown,
  summarizeDirection,
  validateIndex,
  type ResultsSummary,
  type SuiteIndex,
} from '../../autobahn/report-model.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/reports', import.meta.url));
const serversIndex = JSON.parse(readFileSync(join(FIXTURES, 'servers', 'index.json'), 'utf8')) as SuiteIndex;

const temporary: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wsref-autobahn-report-'));
  temporary.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI with outputs in a temporary folder; returns status, output and the files written. */
function run(args: string[], out = tempDir()) {
  const lines: string[] = [];
  const warnings: string[] = [];
  const summaryPath = join(out, 'results', 'summary.json');
  const markdownPath = join(out, 'docs', 'autobahn-results.md');
  const status = runReport([...args, '--summary', summaryPath, '--markdown', markdownPath], (l) => lines.push(l), (l) => warnings.push(l));
  return {
    status,
    output: lines.join('\n'),
    warnings: warnings.join('\n'),
    summaryPath,
    markdownPath,
    summary: existsSync(summaryPath) ? (JSON.parse(readFileSync(summaryPath, 'utf8')) as ResultsSummary) : undefined,
    markdown: existsSync(markdownPath) ? readFileSync(markdownPath, 'utf8') : undefined,
  };
}

describe('[wsref] Autobahn report model', () => {
  it('[wsref] counts OK / NON-STRICT / INFORMATIONAL / UNIMPLEMENTED / FAILED per group and in total', () => {
    const s = summarizeDirection(serversIndex, 'wsref', '2025-01-01T00:00:00.000Z');
    expect(s.total).toBe(9);
    expect(s.counts).toEqual({ OK: 4, 'NON-STRICT': 1, INFORMATIONAL: 1, UNIMPLEMENTED: 1, FAILED: 2 });
    expect(Object.keys(s.groups).sort((a, b) => Number(a) - Number(b))).toEqual(['1', '2', '6', '7', '9', '10', '12']);
    expect(s.groups['1']).toEqual({ OK: 2, 'NON-STRICT': 0, INFORMATIONAL: 0, UNIMPLEMENTED: 0, FAILED: 0 });
    expect(s.groups['7']).toEqual({ OK: 1, 'NON-STRICT': 0, INFORMATIONAL: 1, UNIMPLEMENTED: 0, FAILED: 0 });
    expect(s.groups['9']!.FAILED).toBe(1);
  });

  it('[wsref] lists every case that is not OK or INFORMATIONAL, in case order, with its close code', () => {
    const s = summarizeDirection(serversIndex, 'wsref', 'd');
    expect(s.failing.map((p) => [p.id, p.behavior, p.remoteCloseCode])).toEqual([
      ['2.10', 'FAILED', 1000],
      ['6.4.1', 'NON-STRICT', 1007],
      ['9.1.6', 'NO_CLOSE', null],
      ['12.1.1', 'UNIMPLEMENTED', null],
    ]);
  });

  it('[wsref] lists passing cases whose closing behavior the suite marks wrong, but accepts FAILED BY CLIENT', () => {
    const s = summarizeDirection(serversIndex, 'wsref', 'd');
    expect(s.closeProblems.map((p) => [p.id, p.behaviorClose])).toEqual([['7.5.1', 'WRONG CODE']]);
    const clients = summarizeDirection(
      { wsref: { '13.7.18': { behavior: 'OK', behaviorClose: 'FAILED BY CLIENT', remoteCloseCode: 1000 } } },
      'wsref',
      'd',
    );
    expect(clients.closeProblems).toEqual([]);
    expect(clients.failing).toEqual([]);
  });

  it('[wsref] attaches the description and result of a problem case from its own report file', () => {
    const s = summarizeDirection(serversIndex, 'wsref', 'd', (id) =>
      id === '2.10' ? { description: 'Send 10 Pings.<br><br>With <b>payload</b>', result: 'Actual events differ' } : undefined,
    );
    expect(s.failing[0]).toMatchObject({ id: '2.10', description: 'Send 10 Pings. With payload', result: 'Actual events differ' });
    expect(s.failing[1]!.description).toBeUndefined();
  });

  it('[wsref] treats behaviors outside the four known passing/neutral ones as FAILED', () => {
    expect(outcomeOf('OK')).toBe('OK');
    expect(outcomeOf('NON-STRICT')).toBe('NON-STRICT');
    expect(outcomeOf('NO_CLOSE')).toBe('FAILED');
    expect(outcomeOf('WRONG CODE')).toBe('FAILED');
  });

  it('[wsref] orders case ids numerically, part by part', () => {
    expect(['10.1.1', '2.10', '1.1.10', '2.9', '1.1.2', '1.2.1'].sort(compareCaseIds)).toEqual([
      '1.1.2',
      '1.1.10',
      '1.2.1',
      '2.9',
      '2.10',
      '10.1.1',
    ]);
  });

  it('[wsref] picks the agent asked for, else wsref, else the only one, and explains when it cannot', () => {
    expect(chooseAgent(serversIndex, undefined)).toEqual({ agent: 'wsref' });
    expect(chooseAgent(serversIndex, 'other')).toEqual({ agent: 'other' });
    expect(chooseAgent(serversIndex, 'ws')).toEqual({ error: 'no agent "ws" (found: wsref, other)' });
    expect(chooseAgent({ ws: {} }, undefined)).toEqual({ agent: 'ws' });
    expect(chooseAgent({ a: {}, b: {} }, undefined)).toHaveProperty('error');
  });

  it('[wsref] rejects JSON that is not a suite index', () => {
    expect(validateIndex(serversIndex)).toBeUndefined();
    expect(validateIndex([])).toBe('not a JSON object');
    expect(validateIndex({ wsref: { 'case-1': { behavior: 'OK', behaviorClose: 'OK' } } })).toMatch(/not a case id/);
    expect(validateIndex({ wsref: { '1.1.1': { behavior: 'OK' } } })).toMatch(/missing behavior/);
  });

  it('[wsref] shortens descriptions to one plain line', () => {
    expect(plainText('a<br/>b  <i>c</i>\n d')).toBe('a b c d');
    expect(plainText('x'.repeat(500), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('[wsref] renders a docs page with a table per direction and marks a direction not yet run', () => {
    const md = renderMarkdown({ generated: 'g', directions: { servers: summarizeDirection(serversIndex, 'wsref', '2025-01-01') } });
    expect(md.startsWith('---\ntitle: Autobahn|Testsuite results\n')).toBe(true);
    expect(md).toContain('| 2 Pings/Pongs | 0 | 0 | 0 | 0 | 1 |');
    expect(md).toContain('| **all** | **4** | **1** | **1** | **1** | **2** |');
    expect(md).toContain('| 7.5.1 | OK | WRONG CODE | 1000 |');
    expect(md).toMatch(/## wsref as a client \(suite: fuzzingserver\)\n\nNot run yet\./);
  });
});

describe('[wsref] Autobahn report command', () => {
  it('[wsref] reads both directions, writes summary.json and the docs page, exits 1 when a case is not OK', () => {
    const r = run(['--reports', FIXTURES]);
    expect(r.status).toBe(1);
    expect(r.summary?.directions.servers?.counts.FAILED).toBe(2);
    expect(r.summary?.directions.clients?.counts).toEqual({ OK: 2, 'NON-STRICT': 0, INFORMATIONAL: 1, UNIMPLEMENTED: 0, FAILED: 0 });
    expect(r.summary?.directions.servers?.failing[0]).toMatchObject({
      id: '2.10',
      description: 'Send 10 Pings with payload. Pong | answer required',
      result: 'Actual events differ from any expected.',
    });
    expect(r.summary?.directions.servers?.closeProblems[0]).toMatchObject({ id: '7.5.1', result: 'The close code should have been 1007 or empty' });
    expect(r.markdown).toContain('Pong \\| answer required');
    expect(r.output).toMatch(/2\.10: FAILED, close OK, close code 1000/);
    expect(r.output).toMatch(/12 Compression \(payloads\)\s+0\s+0\s+0\s+1\s+0/);
  });

  it('[wsref] exits 0 when every case read is OK or INFORMATIONAL', () => {
    const r = run(['--reports', FIXTURES, '--clients', '--suite', 'Autobahn|Testsuite 0.8.2']);
    expect(r.status).toBe(0);
    expect(r.summary?.directions.servers).toBeUndefined();
    expect(r.summary?.directions.clients?.suite).toBe('Autobahn|Testsuite 0.8.2');
    expect(r.markdown).toContain('Every case is OK or INFORMATIONAL.');
  });

  it('[wsref] says which report is missing and still reports the direction that exists', () => {
    const reports = tempDir();
    cpSync(join(FIXTURES, 'clients'), join(reports, 'clients'), { recursive: true });
    const r = run(['--reports', reports]);
    expect(r.status).toBe(0);
    expect(r.warnings).toMatch(/servers: no report at .*servers\/index\.json; produce one with: docker-compose --profile server/);
    expect(r.summary?.directions.clients).toBeDefined();
  });

  it('[wsref] exits 2 when an explicitly requested direction, or every direction, has no report', () => {
    const reports = tempDir();
    cpSync(join(FIXTURES, 'clients'), join(reports, 'clients'), { recursive: true });
    expect(run(['--reports', reports, '--servers']).status).toBe(2);
    const empty = run(['--reports', tempDir()]);
    expect(empty.status).toBe(2);
    expect(empty.warnings).toMatch(/nothing to report/);
    expect(empty.summary).toBeUndefined();
  });

  it('[wsref] keeps the other direction from the previous summary when only one is read', () => {
    const out = tempDir();
    run(['--reports', FIXTURES, '--servers'], out);
    const second = run(['--reports', FIXTURES, '--clients'], out);
    expect(second.summary?.directions.servers?.total).toBe(9);
    expect(second.summary?.directions.clients?.total).toBe(3);
    // The exit status only reflects what was read this time.
    expect(second.status).toBe(0);
  });

  it('[wsref] --no-write prints without writing; --agent chooses among several agents', () => {
    const r = run(['--reports', FIXTURES, '--servers', '--agent', 'other', '--no-write']);
    expect(r.status).toBe(0);
    expect(r.output).toMatch(/agent other, 1 cases/);
    expect(r.summary).toBeUndefined();
    expect(r.markdown).toBeUndefined();
  });

  it('[wsref] exits 2 on an index that is not JSON or not in the suite format', () => {
    const reports = tempDir();
    cpSync(join(FIXTURES, 'servers'), join(reports, 'servers'), { recursive: true });
    writeFileSync(join(reports, 'servers', 'index.json'), '{"wsref": ');
    const broken = run(['--reports', reports, '--servers']);
    expect(broken.status).toBe(2);
    expect(broken.warnings).toMatch(/is not JSON/);
    writeFileSync(join(reports, 'servers', 'index.json'), '{"wsref": {"1.1.1": {"behavior": 3}}}');
    expect(run(['--reports', reports, '--servers']).warnings).toMatch(/not a suite index/);
    expect(run(['--bogus']).status).toBe(2);
  });
});
