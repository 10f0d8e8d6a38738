// RFC 7692 §6–§7.2 (permessage-deflate) next to the deflate-frame draft, shown on real bytes:
// one JSON message sent in three fragments (RFC 6455 §5.4) by wsref's own protocol core, once
// uncompressed, once compressed per frame and once per message. Writes
// docs/extensions-comparison.md with each frame's header bytes, RSV1 bit and sizes, the totals,
// and hex dumps; every encoding is decoded again by a receiving wsref connection as a check.
//
//   npm run docs:compression
//
// The page is MDX: braces and angle brackets appear only inside fenced code blocks.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Connection } from '../src/core/connection.js';
import { deflateFrame } from '../src/core/extensions/deflate-frame.js';
import type { Extension, ExtensionFactory } from '../src/core/extensions/extension.js';
import { hex } from '../src/core/explain/frame-annotate.js';
import { permessageDeflate } from '../src/core/extensions/permessage-deflate.js';
import { createZlibCodec } from '../src/node/zlib-codec.js';

const OUTPUT = fileURLToPath(new URL('../docs/extensions-comparison.md', import.meta.url));

/** The message: quotes a trading front end might push, as compact JSON (ASCII, so any cut is valid UTF-8). */
const MESSAGE = JSON.stringify({
  type: 'quotes',
  venue: 'XNAS',
  quotes: [
    ['WSREF', 41.5, 42.5],
    ['RFCX', 12.25, 12.75],
    ['HYBI', 7.1, 7.3],
    ['DEFL', 99.5, 100.5],
    ['ZLIB', 3.25, 3.5],
    ['LZSS', 18.75, 19],
    ['SYNC', 64, 64.25],
    ['RSV1', 1.5, 1.75],
    ['FRAG', 250, 251],
  ].map(([symbol, bid, ask]) => ({ symbol, bid, ask, currency: 'USD', size: 100 })),
});
const MESSAGE_BYTES = new TextEncoder().encode(MESSAGE);
const third = Math.ceil(MESSAGE_BYTES.length / 3);
const FRAGMENTS = [0, 1, 2].map((i) => MESSAGE_BYTES.subarray(i * third, (i + 1) * third));

interface Frame {
  bytes: Uint8Array;
  headerLength: number;
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  payloadLength: number;
}

/** Splits what a connection wrote into frames (server frames: unmasked). */
function readFrame(bytes: Uint8Array): Frame {
  const length7 = bytes[1]! & 0x7f;
  const headerLength = length7 === 126 ? 4 : length7 === 127 ? 10 : 2;
  const payloadLength = length7 === 126 ? (bytes[2]! << 8) | bytes[3]! : length7;
  if (length7 === 127) throw new Error('demo frames stay under 64 KiB');
  return { bytes, headerLength, fin: (bytes[0]! & 0x80) !== 0, rsv1: (bytes[0]! & 0x40) !== 0, opcode: bytes[0]! & 0x0f, payloadLength };
}

interface Encoding {
  name: string;
  frames: Frame[];
}

/** Sends the three fragments through a server-role connection with `factory` negotiated (or none). */
function encode(name: string, factory: ExtensionFactory | undefined): Encoding {
  const frames: Frame[] = [];
  const sender = new Connection({ role: 'server' });
  const serverSide = factory?.acceptOffer([[]]);
  sender.establish(undefined, serverSide ? [serverSide] : []);
  FRAGMENTS.forEach((fragment, i) => {
    sender.sendFrame(fragment, true, i === FRAGMENTS.length - 1);
    const [head, payload] = sender.dataToSend(); // one frame: one chunk, or its header then its payload
    frames.push(readFrame(payload ? concat(head!, payload) : head!.slice()));
  });

  // The check: a receiving client connection with the same agreement gets the message back.
  const clientSide: Extension[] = factory && serverSide ? [factory.acceptResponse(serverSide.responseParams)] : [];
  let received: string | undefined;
  const receiver = new Connection({ role: 'client' });
  receiver.establish(undefined, clientSide);
  for (const frame of frames) receiver.receive(frame.bytes.slice());
  for (const event of receiver.events()) {
    if (event.type === 'message') received = new TextDecoder().decode(event.data);
    if (event.type === 'error') throw event.error;
  }
  if (received !== MESSAGE) throw new Error(`${name}: the receiver did not get the message back`);
  return { name, frames };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const total = (frames: Frame[], pick: (f: Frame) => number) => frames.reduce((sum, f) => sum + pick(f), 0);

const OPCODES: Record<number, string> = { 0: 'continuation', 1: 'text', 2: 'binary' };

function frameTable(encoding: Encoding): string {
  const rows = encoding.frames.map((f, i) => {
    const header = hex(f.bytes.subarray(0, f.headerLength));
    return `| ${i + 1} | \`${header}\` | ${f.fin ? 1 : 0} | ${f.rsv1 ? 1 : 0} | ${OPCODES[f.opcode] ?? f.opcode} | ${f.payloadLength} | ${f.bytes.length} |`;
  });
  const payload = total(encoding.frames, (f) => f.payloadLength);
  const wire = total(encoding.frames, (f) => f.bytes.length);
  return [
    '| Frame | Header bytes | FIN | RSV1 | Opcode | Payload bytes | Frame bytes |',
    '| ---: | --- | :-: | :-: | --- | ---: | ---: |',
    ...rows,
    `| **total** | | | | | **${payload}** | **${wire}** |`,
  ].join('\n');
}

/** A classic hex dump: offset, 16 bytes, ASCII. */
function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(4, '0')}  ${hex(row).padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

function dumps(encoding: Encoding): string {
  return encoding.frames
    .map((f, i) => {
      const header = f.bytes.subarray(0, f.headerLength);
      const payload = f.bytes.subarray(f.headerLength);
      return [
        `Frame ${i + 1}: FIN=${f.fin ? 1 : 0} RSV1=${f.rsv1 ? 1 : 0} opcode=${f.opcode} (${OPCODES[f.opcode]}), ${f.payloadLength} payload bytes`,
        `header   ${hex(header)}`,
        hexDump(payload),
        endsWithTail(payload) ? '(ends with 00 00 ff ff: wsref sync-flushes each fragment and keeps the marker on a non-final one)' : '',
      ]
        .filter(Boolean)
        .join('\n');
    })
    .join('\n\n');
}

const endsWithTail = (p: Uint8Array) => p.length >= 4 && p[p.length - 4] === 0 && p[p.length - 3] === 0 && p[p.length - 2] === 0xff && p[p.length - 1] === 0xff;

// Both extensions compress every fragment here (threshold 0): the default 1 KiB threshold
// would leave a message this small uncompressed.
const codec = createZlibCodec();
const plain = encode('uncompressed', undefined);
const perFrame = encode('deflate-frame', deflateFrame({ codec, threshold: 0 }));
const perMessage = encode('permessage-deflate', permessageDeflate({ codec, threshold: 0 }));

const summary = [plain, perFrame, perMessage].map((e) => {
  const rsv1 = e.frames.map((f) => (f.rsv1 ? 1 : 0)).join(' ');
  return `| ${e.name} | ${e.frames.length} | ${rsv1} | ${total(e.frames, (f) => f.payloadLength)} | ${total(e.frames, (f) => f.bytes.length)} |`;
});

const page = `---
title: Per-frame vs per-message compression
description: The same three-fragment JSON message compressed per frame (deflate-frame) and per message (permessage-deflate, RFC 7692), byte for byte, as wsref sends it.
---

# Per-frame vs per-message compression

**RFC 7692 §6, §7.2; draft-tyoshino-hybi-websocket-perframe-deflate; RFC 6455 §5.2, §5.4**

This page is generated by \`scripts/compression-demo.ts\` (\`npm run docs:compression\`) from wsref's
own protocol core and its Node zlib codec: nothing below is typed by hand. A server-role
connection sends one ${MESSAGE_BYTES.length}-byte JSON text message as three fragments, three times: without
an extension, with **deflate-frame** (the older per-frame draft, also sent as
x-webkit-deflate-frame) and with **permessage-deflate** (RFC 7692). Server frames are not masked,
so the payload bytes below are exactly what crosses the wire; a client would add a 4-byte masking
key to every frame (RFC 6455 §5.3). Each encoding was then fed to a receiving wsref connection
with the same agreement, which gave back the original message.

Both extensions were told to compress every fragment (threshold 0); with the default threshold
of 1 KiB a message this small would be sent uncompressed.

## The message

\`\`\`json
${MESSAGE}
\`\`\`

Fragments of ${FRAGMENTS.map((f) => f.length).join(', ')} bytes: a text frame with FIN clear, a continuation frame
with FIN clear, and a continuation frame with FIN set (RFC 6455 §5.4).

## Totals

| Encoding | Frames | RSV1 per frame | Payload bytes | Bytes on the wire |
| --- | ---: | --- | ---: | ---: |
${summary.join('\n')}

## deflate-frame: every frame compressed on its own

${frameTable(perFrame)}

- **RSV1 is set on every compressed frame**, continuation frames included: the bit means "this
  frame's payload is compressed", and the receiver inflates frame by frame.
- Each payload is DEFLATE output ended by a sync flush whose last four bytes, 00 00 ff ff, are
  removed; the receiver puts them back before inflating (the same trick as RFC 7692 §7.2.1, per frame).
- The LZ77 window carries over from frame to frame (no no_context_takeover was agreed), so the
  later fragments, which repeat the keys of the first, come out smaller.

## permessage-deflate: the message compressed once

${frameTable(perMessage)}

- **RSV1 is set on the first frame only** (RFC 7692 §6.1): it marks the whole message as
  compressed, and setting it on a continuation frame is a protocol error.
- The fragments are pieces of one DEFLATE stream, and only the end of the message drops the
  four bytes 00 00 ff ff. The receiver appends them once, at the end of the message, and inflates
  the concatenated payloads (RFC 7692 §7.2.2).

:::info[The RFC says]
A sender may split the compressed message anywhere: RFC 7692 §7.2.1 builds fragments "by
splitting the result" of compressing, and its own example (§7.2.3.1) cuts "Hello" in the middle
of a DEFLATE block. A fragment does not have to end at a flush. The rule about 00 00 ff ff is that
the tail is removed once, from the end of the message, never from a non-final fragment.
:::

:::tip[wsref chooses]
wsref compresses each fragment as the application hands it over and ends it with a sync flush,
so the bytes of a fragment can be sent at once instead of waiting for the rest of the message.
Every non-final fragment therefore ends with 00 00 ff ff, which stays in place; that is why this
encoding carries ${total(perMessage.frames, (f) => f.payloadLength) - total(perFrame.frames, (f) => f.payloadLength)} more payload bytes than deflate-frame for the same three fragments.
As a receiver, wsref feeds every fragment to its inflater as it arrives, wherever the sender cut.
:::

## Hex dumps

### Uncompressed

\`\`\`text
${dumps(plain)}
\`\`\`

### deflate-frame

\`\`\`text
${dumps(perFrame)}
\`\`\`

### permessage-deflate

\`\`\`text
${dumps(perMessage)}
\`\`\`

## Which to use

permessage-deflate. It is the standard (RFC 7692), current browsers offer it, and its four
parameters let each side limit the other's window and context; deflate-frame is only kept for
old WebKit clients. Per-frame compression buys nothing over it: a streaming inflater can consume
a permessage-deflate fragment as it arrives too, wherever the sender cut the stream (it simply
holds back output until the bytes that complete it arrive).
See [Extensions and compression](./extensions.md) for the parameters and memory figures.
`;

if (/[{}<]/.test(page.replace(/```[\s\S]*?```/g, ''))) throw new Error('MDX: a brace or angle bracket outside a code block');
writeFileSync(OUTPUT, page);
console.log(`wrote ${OUTPUT}: ${[plain, perFrame, perMessage].map((e) => `${e.name} ${total(e.frames, (f) => f.bytes.length)} B`).join(', ')}`);
