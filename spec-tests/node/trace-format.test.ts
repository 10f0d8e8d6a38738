// src/node/trace-format.ts, the printer behind `wsref --trace`: a frame that breaks a rule is
// printed with the rule's requirement id, its code and a link to the docs section explaining it.
import { describe, expect, it } from 'vitest';
import { createWireTrace, DOCS_SITE, formatFrame } from '../../src/node/trace-format.js';
import { annotateFrame } from '../../src/core/explain/frame-annotate.js';

const hex = (s: string) => Uint8Array.from(s.split(' ').map((b) => parseInt(b, 16)));

function traceReceived(role: 'client' | 'server', bytes: Uint8Array): string {
  const printed: string[] = [];
  const trace = createWireTrace({ role, print: (text) => printed.push(text), receivedStartsWithHttp: false, sentStartsWithHttp: false });
  trace.received(bytes);
  return printed.join('\n');
}

describe('wsref --trace names the rules a frame breaks', () => {
  it('[6455-5.1-2] an unmasked frame received by a server: the problem, then rule 6455-5.1-2 with its docs link', () => {
    const text = traceReceived('server', hex('81 02 68 69'));
    expect(text).toContain('!! a client must mask every frame');
    expect(text).toContain(`!! rule 6455-5.1-2 (WSREF_UNMASKED_CLIENT_FRAME): ${DOCS_SITE}/framing#masking`);
  });

  it('[6455-5.4-2, 6455-5.5-1, 6455-5.2-4] each broken rule gets its own line; a frame that breaks none gets none', () => {
    // A ping without FIN announcing 126 bytes breaks two rules.
    const text = formatFrame(annotateFrame(hex('09 7e 00 7e'), { sender: 'server' }), 'received', 'https://docs.example');
    expect(text.split('\n').filter((line) => line.includes('!! rule'))).toEqual([
      expect.stringContaining('!! rule 6455-5.4-2 (WSREF_CONTROL_FRAME_FRAGMENTED): https://docs.example/control-frames#control-frames-in-general-55'),
      expect.stringContaining('!! rule 6455-5.5-1 (WSREF_CONTROL_FRAME_TOO_LONG): https://docs.example/control-frames#control-frames-in-general-55'),
    ]);
    expect(formatFrame(annotateFrame(hex('83 00')), 'received')).toContain(`!! rule 6455-5.2-4 (WSREF_RESERVED_OPCODE): ${DOCS_SITE}/framing#opcodes`);
    const fine = traceReceived('client', hex('81 02 68 69'));
    expect(fine).toContain('"hi"');
    expect(fine).not.toContain('!!');
  });
});
