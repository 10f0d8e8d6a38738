// The table of rules (src/core/rules.ts) is the index a learner uses, so it must be true:
// every row cites a requirement that exists, is applied at exactly one place in the core,
// points at a docs section that exists, and has a code no other row has. The generated
// indexes (src/core/README.md, docs/rules.md) must match the table.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HandshakeError, ProtocolError } from '../../src/core/errors.js';
import { RULES, ruleMessage, type Rule, type RuleKey } from '../../src/core/rules.js';
import { findApplications, staleOutputs } from '../../scripts/rules-index.js';

const ROOT = new URL('../../', import.meta.url);
const entries = Object.entries(RULES) as [RuleKey, Rule][];

function catalogIds(): Set<string> {
  const ids = new Set<string>();
  for (const name of readdirSync(new URL('spec-tests/requirements/', ROOT))) {
    if (!/^rfc\d+\.json$/.test(name)) continue;
    const catalog = JSON.parse(readFileSync(new URL(`spec-tests/requirements/${name}`, ROOT), 'utf8')) as { requirements: { id: string }[] };
    for (const requirement of catalog.requirements) ids.add(requirement.id);
  }
  return ids;
}

// Docusaurus (github-slugger) anchors: lower case, punctuation dropped, spaces become '-',
// repeats numbered. Fenced code is skipped, inline code keeps its text.
function headingAnchors(page: string): Set<string> {
  const text = readFileSync(new URL(`docs/${page}.md`, ROOT), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  const anchors = new Set<string>();
  for (const [, heading] of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const explicit = /\{#([\w-]+)\}\s*$/.exec(heading!);
    const base = explicit ? explicit[1]! : heading!.replace(/`/g, '').toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

describe('the table of rules (src/core/rules.ts)', () => {
  it('[wsref] every row cites a requirement id that exists in spec-tests/requirements', () => {
    const ids = catalogIds();
    const unknown = entries.filter(([, rule]) => !ids.has(rule.id)).map(([key, rule]) => `${key}: ${rule.id}`);
    expect(unknown).toEqual([]);
  });

  it('[wsref] every row is applied at exactly one place in src/core, which names it', () => {
    const wrong = [...findApplications()]
      .filter(([, places]) => places.length !== 1)
      .map(([key, places]) => `${key}: ${places.length === 0 ? 'applied nowhere' : places.map((p) => `${p.file}:${p.line}`).join(', ')}`);
    expect(wrong).toEqual([]);
  });

  it('[wsref] every row links to a docs section that exists', () => {
    const broken = entries
      .filter(([, rule]) => {
        const [page, anchor] = rule.docs.slice(1).split('#');
        try {
          return !headingAnchors(page!).has(anchor!);
        } catch {
          return true; // no such page
        }
      })
      .map(([key, rule]) => `${key}: ${rule.docs}`);
    expect(broken).toEqual([]);
  });

  it('[wsref] codes are unique and spelled WSREF_ + the key; messages name only what is filled in', () => {
    const codes = entries.map(([, rule]) => rule.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [key, rule] of entries) expect(rule.code).toBe(`WSREF_${key}`);
    expect(ruleMessage(RULES.RESERVED_OPCODE, { opcode: '0x3' })).toBe('reserved opcode 0x3');
    expect(ruleMessage(RULES.MESSAGE_TOO_BIG, { what: 'message of 9 bytes', limit: 8 })).toBe('message of 9 bytes exceeds maxMessageSize 8');
  });

  it('[6455-7.1.7-3, 6455-10.7-3, 6455-10.7-4] a frame rule names a close code the RFC defines; a server-side handshake rule an HTTP error status', () => {
    for (const [key, rule] of entries) {
      if (rule.closeCode !== undefined) {
        expect([1002, 1007, 1009], key).toContain(rule.closeCode);
        expect(rule.status, key).toBeUndefined();
      }
      if (rule.status !== undefined) expect(rule.status >= 400 && rule.status <= 499, key).toBe(true);
    }
  });

  it('[6455-7.1.7-3] a ProtocolError built from a row carries its id, code and close code', () => {
    const error = new ProtocolError(RULES.UNMASKED_CLIENT_FRAME);
    expect([error.rule, error.code, error.closeCode, error.message]).toEqual(['6455-5.1-2', 'WSREF_UNMASKED_CLIENT_FRAME', 1002, 'unmasked frame from client']);
    expect(() => new ProtocolError(RULES.REQUEST_NOT_GET)).toThrow(TypeError); // a handshake row has no close code
  });

  it('[6455-4.2.2-6] a HandshakeError built from a row carries its id, code, status and headers', () => {
    const error = new HandshakeError(RULES.REQUEST_VERSION_UNSUPPORTED, { version: '8' }, { headers: { 'Sec-WebSocket-Version': '13' } });
    expect([error.rule, error.code, error.status, error.headers]).toEqual(['6455-4.2.2-6', 'WSREF_REQUEST_VERSION_UNSUPPORTED', 426, { 'Sec-WebSocket-Version': '13' }]);
    expect(new HandshakeError(RULES.RESPONSE_NOT_101, { status: '403 Forbidden' }, { status: 403 }).status).toBe(403);
    expect(new HandshakeError('refused by the application', 403).rule).toBeUndefined();
  });

  it('[wsref] src/core/README.md and docs/rules.md are generated from the current table (npm run rules)', () => {
    expect(staleOutputs()).toEqual([]);
  });
});
