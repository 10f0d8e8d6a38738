// RFC 6455 §5–§8, §10.7 and RFC 7692 §6.2, §8 under hostile input: fuzzing the sans-I/O
// `Connection` in both roles, with and without permessage-deflate, using fast-check. The kit
// (fuzz-kit.ts) writes valid streams with a real peer, mutates them, feeds them in random pieces
// and checks the invariants after every piece. `npm run soak` runs 100,000 such cases.

import { describe, expect, it } from 'vitest';
import { Connection } from '../../src/core/connection.js';
import { describeConfig, FUZZ_CONFIGS, fuzzConnection, FuzzTally, heldBytes, PATHOLOGICAL_HEADER_VALUES, runCase, timeParse } from './fuzz-kit.js';

/** Cases per configuration in the quick set (four configurations: a few thousand in all). */
const QUICK_RUNS = 750;

describe('fuzzing the connection (quick set)', () => {
  // The kit's FUZZ_CONFIGS written out with the ids each one checks, so that every test's name is
  // known before it runs (`npm run trace` reads it); the next test keeps the two lists equal.
  const quickConfigs = [
    // [ids, label, role, deflate]
    ['[6455-10.7-1] [6455-10.7-2] [6455-7.1.7-5] [6455-8.1-1]', 'server', 'server', false],
    ['[6455-10.7-1] [6455-10.7-2] [6455-7.1.7-5] [6455-8.1-1]', 'client', 'client', false],
    ['[6455-10.7-1] [6455-10.7-2] [6455-7.1.7-5] [7692-6.2-1]', 'server + permessage-deflate', 'server', true],
    ['[6455-10.7-1] [6455-10.7-2] [6455-7.1.7-5] [7692-6.2-1]', 'client + permessage-deflate', 'client', true],
  ] as const;

  it('[wsref] the quick set runs every configuration of the fuzz kit', () => {
    expect(quickConfigs.map(([, , role, deflate]) => ({ role, deflate }))).toEqual(FUZZ_CONFIGS);
    expect(quickConfigs.map(([, label]) => label)).toEqual(FUZZ_CONFIGS.map(describeConfig));
  });

  it.each(quickConfigs)('%s %s: mutated and re-chunked streams never throw, stay bounded, and end OPEN or with 1002/1007/1009', (_ids, _label, role, deflate) => {
    const tally = new FuzzTally();
    fuzzConnection({ role, deflate }, QUICK_RUNS, { tally });
    expect(tally.cases).toBe(QUICK_RUNS);
    // The generator must reach every outcome, or the property tests less than it claims.
    expect(tally.open).toBeGreaterThan(0);
    expect(tally.peerClosed).toBeGreaterThan(0);
    expect(tally.failCodes.get(1002) ?? 0).toBeGreaterThan(0);
    expect(tally.failCodes.get(1009) ?? 0).toBeGreaterThan(0);
  });

  it('[wsref] the invariant checker catches a connection that holds more than its limit', () => {
    // Guard against a checker that cannot fail: `heldBytes` must see a half-received message.
    const conn = new Connection({ role: 'client', maxMessageSize: 1 << 20 });
    conn.establish(undefined, []);
    conn.receive(Uint8Array.of(0x82, 0x05, 1, 2, 3)); // a binary frame: 3 of its 5 payload bytes
    expect(heldBytes(conn)).toBe(3);
  });

  it('[6455-10.7-1] [6455-8.1-1] a valid stream is delivered exactly however it is cut (and a broken one fails with its code)', () => {
    const steps = [
      { kind: 'message' as const, isText: true, bytes: new TextEncoder().encode('héllo wörld'), cuts: [2, 7], compress: true, pingBetween: true },
      { kind: 'message' as const, isText: false, bytes: new Uint8Array(70_000).fill(7), cuts: [], compress: true, pingBetween: false },
    ];
    for (const config of FUZZ_CONFIGS) {
      const base = { steps, chunking: { bytewise: false, cuts: [1, 3, 100, 5_000] }, maxMessageSize: 1 << 20, maskSeed: 7, deflateVariant: 0 };
      const ok = runCase(config, { ...base, mutation: { kind: 'none' } });
      expect(ok.failCode, describeConfig(config)).toBeUndefined();
      expect(ok.messages).toBe(2);
      // Byte 0 set to 0x00 turns the first fragment into a continuation frame with no message
      // to continue (RFC 6455 §5.4): 1002.
      const broken = runCase(config, { ...base, mutation: { kind: 'byte', at: 0, value: 0x00 } });
      expect(broken.failCode, describeConfig(config)).toBe(1002);
    }
  });
});

describe('pathological handshake header values in the core parsers (CVE-2021-32640 shape)', () => {
  // 1 MB values: far beyond what Node's 16 KiB header limit lets through, so the parsers are
  // tested directly. Linear means: 4× the input costs about 4× the time (a backtracking parser
  // costs 16× or far worse), and 1 MB stays well under a second on an idle machine.
  // The kit's quick values written out with the id of the header's grammar, so that every test's
  // name is known before it runs; the last test keeps this list equal to the kit's quick set.
  const quickValues = [
    // [ids, header, name]
    ['[6455-4.1-32]', 'Sec-WebSocket-Protocol', 'commas and spaces'],
    ['[6455-4.2.2-10]', 'Sec-WebSocket-Extensions', 'commas and spaces'],
    ['[6455-4.1-32]', 'Sec-WebSocket-Protocol', 'many one-letter tokens'],
    ['[6455-4.2.2-10]', 'Sec-WebSocket-Extensions', 'parameters'],
    ['[6455-4.2.2-10]', 'Sec-WebSocket-Extensions', 'an unterminated quoted string'],
  ] as const;
  const quickSet = PATHOLOGICAL_HEADER_VALUES.filter((c) => c.quick);

  it.each(quickValues)('%s [wsref] %s with 1 MB of %s is parsed or refused in linear time', (_ids, header, name) => {
    const value = quickSet.find((c) => c.header === header && c.name === name);
    if (!value) throw new Error(`the fuzz kit has no quick value "${name}" for ${header}`);
    const { small, large } = timeParse(header, value.make);
    expect(large).toBeLessThan(5_000);
    expect(large).toBeLessThan(10 * Math.max(small, 20));
  });

  it('[wsref] the list above is the fuzz kit\'s whole quick set', () => {
    expect(quickValues.map(([, header, name]) => ({ header, name }))).toEqual(quickSet.map(({ header, name }) => ({ header, name })));
  });
});
