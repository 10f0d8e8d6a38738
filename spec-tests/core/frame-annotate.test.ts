// Tests for src/core/frame-annotate.ts — a frame's bytes explained field by field (RFC 6455 §5.2,
// §5.3, §5.5, §7.4; RFC 7692 §6), checked against the §5.7 example frames and against frames that
// break the rules the annotator must name.
import { describe, expect, it } from 'vitest';
import { annotateFrame, type FrameAnnotation, type FrameField } from '../../src/core/explain/frame-annotate.js';
import { hex } from '../helpers/core-pair.js';

function field(a: FrameAnnotation, name: string): FrameField {
  const found = a.fields.find((f) => f.field === name);
  if (!found) throw new Error(`no field ${name} in ${a.fields.map((f) => f.field).join(', ')}`);
  return found;
}

describe('the RFC 6455 §5.7 examples', () => {
  it('[6455-5.2-1] a single-frame unmasked text message: FIN 1, opcode 0x1, 7-bit length 5, "Hello"', () => {
    const a = annotateFrame(hex('81 05 48 65 6c 6c 6f'), { sender: 'server' });
    expect(a.fields.map((f) => f.field)).toEqual(['FIN', 'RSV1', 'RSV2', 'RSV3', 'opcode', 'MASK', 'Payload len', 'Payload data']);
    expect(field(a, 'FIN')).toMatchObject({ value: 1, bits: [0, 1], bytes: [0, 1], rfc: 'RFC 6455 §5.2' });
    expect(field(a, 'opcode')).toMatchObject({ value: 1, display: '0x1', bits: [4, 8] });
    expect(field(a, 'opcode').meaning).toMatch(/^text/);
    expect(field(a, 'MASK')).toMatchObject({ value: 0, bits: [8, 9], bytes: [1, 2] });
    expect(field(a, 'Payload len')).toMatchObject({ value: 5, bits: [9, 16] });
    expect(field(a, 'Payload len').meaning).toContain('7-bit form');
    expect(field(a, 'Payload data')).toMatchObject({ value: 'Hello', display: '"Hello"', bytes: [2, 7], bits: [16, 56] });
    expect(a).toMatchObject({ headerComplete: true, headerLength: 2, payloadLength: 5, lengthForm: '7-bit', problems: [] });
  });

  it('[6455-5.3-1] a masked text message: MASK 1, key 37 fa 21 3d, payload unmasked to "Hello" without touching the input', () => {
    const input = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    const copy = input.slice();
    const a = annotateFrame(input, { sender: 'client' });
    expect(field(a, 'MASK')).toMatchObject({ value: 1, rfc: 'RFC 6455 §5.2, §5.3' });
    expect(field(a, 'Masking-key')).toMatchObject({ display: '37 fa 21 3d', bytes: [2, 6], bits: [16, 48], rfc: 'RFC 6455 §5.3' });
    expect(field(a, 'Payload data').value).toBe('Hello');
    expect(a.headerLength).toBe(6);
    expect(input).toEqual(copy);
  });

  it('[6455-5.4-7] a fragmented text message: FIN 0 then a continuation frame shown as text when told the message type', () => {
    const first = annotateFrame(hex('01 03 48 65 6c'));
    expect(field(first, 'FIN')).toMatchObject({ value: 0 });
    expect(field(first, 'FIN').meaning).toMatch(/more fragments/);
    expect(field(first, 'Payload data').value).toBe('Hel');
    const second = annotateFrame(hex('80 02 6c 6f'), { messageType: 'text' });
    expect(field(second, 'opcode').meaning).toMatch(/^continuation/);
    expect(field(second, 'Payload data').value).toBe('lo');
    // Without the message type a continuation frame is shown as bytes.
    expect(field(annotateFrame(hex('80 02 6c 6f')), 'Payload data').display).toBe('6c 6f');
  });

  it('[6455-5.5.2-1] an unmasked ping and a masked pong, each carrying "Hello"', () => {
    const ping = annotateFrame(hex('89 05 48 65 6c 6c 6f'));
    expect(field(ping, 'opcode').meaning).toMatch(/^ping/);
    expect(field(ping, 'Application data').display).toBe('"Hello"');
    const pong = annotateFrame(hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(field(pong, 'opcode').meaning).toMatch(/^pong/);
    expect(field(pong, 'Application data').display).toBe('"Hello"');
  });

  it('[6455-5.2-6] 256 bytes of binary use the 16-bit form (126, then 0x0100)', () => {
    const frame = new Uint8Array(4 + 256);
    frame.set(hex('82 7e 01 00'));
    const a = annotateFrame(frame);
    expect(field(a, 'Payload len')).toMatchObject({ value: 126 });
    expect(field(a, 'Payload len').meaning).toContain('16-bit form');
    expect(field(a, 'Extended payload length')).toMatchObject({ value: 256, bits: [16, 32], bytes: [2, 4] });
    expect(a).toMatchObject({ lengthForm: '16-bit', headerLength: 4, payloadLength: 256, problems: [] });
  });

  it('[6455-5.2-5] 65536 bytes use the 64-bit form (127, then 8 bytes); only a preview is decoded', () => {
    const frame = new Uint8Array(10 + 65536);
    frame.set(hex('82 7f 00 00 00 00 00 01 00 00'));
    const a = annotateFrame(frame, { previewBytes: 4 });
    expect(field(a, 'Extended payload length')).toMatchObject({ value: 65536, bits: [16, 80], bytes: [2, 10] });
    expect(a.lengthForm).toBe('64-bit');
    expect(a.payloadPreview.length).toBe(4);
    expect(field(a, 'Payload data').display).toBe('00 00 00 00 …');
    expect(field(a, 'Payload data').meaning).toContain('first 4 shown');
  });
});

describe('rule violations are named', () => {
  it('[6455-5.2-6] a length in a longer form than needed (126, 0, 124) is flagged', () => {
    const a = annotateFrame(hex('82 7e 00 7c'));
    expect(a.rules.map((r) => r.code)).toEqual(['WSREF_LENGTH_NOT_MINIMAL']);
    const b = annotateFrame(hex('82 7f 00 00 00 00 00 00 00 7c'));
    expect(field(b, 'Extended payload length').rule?.id).toBe('6455-5.2-6');
    expect(field(b, 'Extended payload length').problem).toMatch(/16-bit form/); // the text says which form would do
  });

  it('[6455-5.2-5] a 64-bit length with the most significant bit set is flagged', () => {
    const a = annotateFrame(hex('82 7f 80 00 00 00 00 00 00 00'));
    expect(field(a, 'Extended payload length').rule).toMatchObject({ id: '6455-5.2-5', code: 'WSREF_LENGTH_HIGH_BIT' });
  });

  it('[6455-5.2-4] a reserved opcode is flagged', () => {
    const a = annotateFrame(hex('83 00'));
    expect(field(a, 'opcode').rule).toMatchObject({ id: '6455-5.2-4', code: 'WSREF_RESERVED_OPCODE' });
    expect(field(a, 'opcode').meaning).toContain('reserved for future data frames');
    expect(field(annotateFrame(hex('8b 00')), 'opcode').meaning).toContain('reserved for future control frames');
  });

  it('[6455-5.2-2, 6455-5.2-3] a reserved bit is judged only against the negotiated extensions', () => {
    // Unknown negotiation: described, not judged.
    expect(annotateFrame(hex('c1 00')).problems).toEqual([]);
    // None negotiated: RSV1 is a violation.
    expect(field(annotateFrame(hex('c1 00'), { extensionRsv: 0 }), 'RSV1').rule?.code).toBe('WSREF_RSV_WITHOUT_EXTENSION');
    // permessage-deflate negotiated: RSV1 means compressed; RSV2 still breaks the rule.
    const deflated = annotateFrame(hex('c1 03 f2 48 05'), { extensionRsv: 0x40 });
    expect(field(deflated, 'RSV1')).toMatchObject({ value: 1, rfc: 'RFC 6455 §5.2, RFC 7692 §6' });
    expect(field(deflated, 'RSV1').meaning).toMatch(/compressed/);
    expect(field(deflated, 'Payload data').meaning).toMatch(/DEFLATE/);
    expect(field(annotateFrame(hex('e1 00'), { extensionRsv: 0x40 }), 'RSV2')).toMatchObject({ problem: expect.stringMatching(/^RSV2/), rule: { id: '6455-5.2-3' } });
  });

  it('[7692-6.1-3] RSV1 on a control frame is flagged even with compression negotiated', () => {
    expect(field(annotateFrame(hex('c9 00'), { extensionRsv: 0x40 }), 'RSV1').rule?.code).toBe('WSREF_CONTROL_FRAME_RSV');
  });

  it('[6455-5.5-1] a fragmented control frame and one over 125 bytes are flagged', () => {
    expect(field(annotateFrame(hex('09 00')), 'FIN').rule?.code).toBe('WSREF_CONTROL_FRAME_FRAGMENTED');
    expect(annotateFrame(hex('89 7e 00 7e')).rules.map((r) => r.code)).toEqual(['WSREF_CONTROL_FRAME_TOO_LONG']);
  });

  it('[6455-5.1-1, 6455-5.1-4] masking is judged against the sender', () => {
    expect(field(annotateFrame(hex('81 00'), { sender: 'client' }), 'MASK').rule?.id).toBe('6455-5.1-2');
    expect(field(annotateFrame(hex('81 80 00 00 00 00'), { sender: 'server' }), 'MASK').rule?.id).toBe('6455-5.1-5');
    expect(annotateFrame(hex('81 80 00 00 00 00'), { sender: 'client' }).problems).toEqual([]);
  });

  it('[6455-5.6-1] a complete single-frame text message that is not UTF-8 is flagged; a cut-off one is not', () => {
    expect(field(annotateFrame(hex('81 02 c3 28')), 'Payload data').rule).toMatchObject({ id: '6455-8.1-1', code: 'WSREF_TEXT_NOT_UTF8' });
    expect(annotateFrame(hex('01 01 c3')).problems).toEqual([]); // a fragment may end inside a code point
  });
});

describe('close frames (RFC 6455 §5.5.1, §7.4)', () => {
  it('[6455-5.5.1-2] the body is a 2-byte status code, named, then the reason', () => {
    const a = annotateFrame(hex('88 05 03 e8 62 79 65'));
    expect(field(a, 'Status code')).toMatchObject({ value: 1000, meaning: 'Normal Closure', bytes: [2, 4] });
    expect(field(a, 'Reason')).toMatchObject({ value: 'bye', bytes: [4, 7] });
    expect(field(annotateFrame(hex('88 02 0f a0')), 'Status code').meaning).toBe('private use');
  });

  it('[6455-7.4.1-3] a status code that may not be sent (1005) is flagged, as is a 1-byte body', () => {
    expect(field(annotateFrame(hex('88 02 03 ed')), 'Status code').rule?.code).toBe('WSREF_CLOSE_CODE_INVALID');
    expect(field(annotateFrame(hex('88 01 03')), 'Status code').rule?.code).toBe('WSREF_CLOSE_BODY_ONE_BYTE');
  });

  it('[wsref] an empty close frame has no status field', () => {
    const a = annotateFrame(hex('88 00'));
    expect(a.fields.map((f) => f.field)).not.toContain('Status code');
    expect(a.problems).toEqual([]);
  });
});

describe('partial input', () => {
  it('[wsref] explains as much as the bytes allow and says whether the header is complete', () => {
    expect(annotateFrame(new Uint8Array(0)).fields).toEqual([]);
    const one = annotateFrame(hex('81'));
    expect(one.fields.map((f) => f.field)).toEqual(['FIN', 'RSV1', 'RSV2', 'RSV3', 'opcode']);
    expect(one.headerComplete).toBe(false);
    const noKey = annotateFrame(hex('81 85 37 fa'));
    expect(noKey).toMatchObject({ headerComplete: false, headerLength: 6, payloadLength: 5 });
    const short = annotateFrame(hex('81 85 37 fa 21 3d 7f 9f'));
    expect(short).toMatchObject({ headerComplete: true, payloadAvailable: 2 });
    expect(field(short, 'Payload data').display).toBe('"He"…');
  });

  it('[wsref] ignores bytes after the frame', () => {
    const a = annotateFrame(hex('81 02 68 69 81 02 68 69'));
    expect(field(a, 'Payload data').value).toBe('hi');
    expect(a.payloadAvailable).toBe(2);
  });
});
