// RFC 6455 §5.6 (data), §5.5.1 and §7.4 (close body), §5.5.2 (ping/pong), RFC 7692 §6
// (compressed payloads) for people: the payload fields of one frame explained, with the rule of
// core/rules.ts a payload breaks. Like frame-annotate.ts it describes and never enforces.
import { CLOSE_CODES, isWireCloseCode } from '../closing/close-codes.js';
import { Opcode } from '../framing/frame-header.js';
import { isValidUtf8 } from '../messages/utf8.js';
import { RULES } from '../rules.js';
import { breaks, hex, hexPreview, quote, type AnnotateOptions, type FrameField } from './frame-field.js';

/** The fields of a payload of `payloadLength` bytes starting at byte `start`; `preview` is its (unmasked) start. */
export function payloadFields(
  opcode: number, preview: Uint8Array, payloadLength: number, truncated: boolean,
  start: number, rsv: number, fin: boolean, options: AnnotateOptions,
): FrameField[] {
  const span = (from: number, to: number) => ({ bits: [(start + from) * 8, (start + to) * 8] as const, bytes: [start + from, start + to] as const });
  const whole = span(0, payloadLength);
  const more = truncated ? `, first ${preview.length} shown` : '';
  if (opcode === Opcode.Close) return closeFields(preview, payloadLength, span);
  const compressed = (rsv & 0x40) !== 0 && options.extensionRsv !== undefined && (options.extensionRsv & 0x40) !== 0;
  if (compressed) {
    return [{ field: 'Payload data', ...whole, value: hex(preview), display: hexPreview(preview, truncated),
      meaning: `${payloadLength} bytes of DEFLATE data${more}; inflated, they are the message (RFC 7692 §7.2.2)`, rfc: 'RFC 7692 §6' }];
  }
  const isText = opcode === Opcode.Text || (opcode === Opcode.Continuation && options.messageType === 'text');
  if (isText) {
    const text = new TextDecoder('utf-8').decode(preview, { stream: truncated });
    // A single complete text frame is a whole message: it must be valid UTF-8 (§5.6, §8.1).
    const invalid = opcode === Opcode.Text && fin && !truncated && !isValidUtf8(preview);
    return [{ field: 'Payload data', ...whole, value: text, display: quote(text, truncated),
      meaning: `${payloadLength} bytes of UTF-8 text${more}`, rfc: 'RFC 6455 §5.6',
      ...(invalid ? breaks(RULES.TEXT_NOT_UTF8, 'a text message must be valid UTF-8 (§8.1): the receiver fails the connection with 1007') : {}) }];
  }
  if (opcode === Opcode.Ping || opcode === Opcode.Pong) {
    const printable = preview.every((b) => b >= 0x20 && b < 0x7f);
    return [{ field: 'Application data', ...whole, value: hex(preview),
      display: printable ? quote(new TextDecoder().decode(preview), truncated) : hexPreview(preview, truncated),
      meaning: `${payloadLength} bytes the pong must echo${opcode === Opcode.Pong ? ' (this is the echo)' : ''}`, rfc: 'RFC 6455 §5.5.2' }];
  }
  return [{ field: 'Payload data', ...whole, value: hex(preview), display: hexPreview(preview, truncated),
    meaning: `${payloadLength} bytes of binary data${more}`, rfc: 'RFC 6455 §5.6' }];
}

function closeFields(
  body: Uint8Array, payloadLength: number,
  span: (from: number, to: number) => { bits: readonly [number, number]; bytes: readonly [number, number] },
): FrameField[] {
  if (payloadLength === 1) {
    return [{ field: 'Status code', ...span(0, 1), value: body[0] ?? 0, display: hex(body),
      meaning: 'a 1-byte close body', rfc: 'RFC 6455 §5.5.1', ...breaks(RULES.CLOSE_BODY_ONE_BYTE, 'a close body must start with a 2-byte status code (§5.5.1)') }];
  }
  if (body.length < 2) return [];
  const code = (body[0]! << 8) | body[1]!;
  const known = CLOSE_CODES.find((c) => c.code === code);
  const name = known ? known.name : code >= 4000 && code <= 4999 ? 'private use' : code >= 3000 && code <= 3999 ? 'registered by a library or framework' : 'unassigned';
  const fields: FrameField[] = [{
    field: 'Status code', ...span(0, 2), value: code, display: String(code), meaning: name, rfc: 'RFC 6455 §5.5.1, §7.4',
    ...(isWireCloseCode(code) ? {} : breaks(RULES.CLOSE_CODE_INVALID, `status code ${code} may not be sent in a close frame (§7.4): the receiver fails the connection with 1002`)),
  }];
  if (payloadLength > 2) {
    const reasonBytes = body.subarray(2);
    const invalid = body.length === payloadLength && !isValidUtf8(reasonBytes);
    fields.push({
      field: 'Reason', ...span(2, payloadLength), value: new TextDecoder().decode(reasonBytes), display: quote(new TextDecoder().decode(reasonBytes), body.length < payloadLength),
      meaning: `${payloadLength - 2} bytes of UTF-8, for debugging, not for end users`, rfc: 'RFC 6455 §5.5.1',
      ...(invalid ? breaks(RULES.CLOSE_REASON_NOT_UTF8, 'the close reason must be valid UTF-8 (§5.5.1, §8.1): the receiver fails the connection with 1007') : {}),
    });
  }
  return fields;
}
