// Nothing lost, nothing reordered — RFC 6455 §6.1/§6.2 (messages are delivered as sent) and §7.1.2
// (a close frame follows the data sent before it; the peer reads everything before the close):
// 10,000 numbered messages sent in one burst and then a close, in both directions, with and
// without permessage-deflate (RFC 7692 §6: compressed messages keep their order and content).
import { afterEach, describe, expect, it } from 'vitest';
import { connect, WebSocketServer, type Session } from '../../src/index.js';
import { nextEvent, Resources, startHttpServer, withTimeout } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

const COUNT = 10_000;

async function pair(perMessageDeflate: boolean) {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server, perMessageDeflate });
  resources.defer(() => wss.close({ timeout: 100 }));
  const accepted = nextEvent<[Session]>(wss, 'connection');
  const client = await connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate, handshakeTimeout: 2_000 });
  resources.defer(() => client.terminate());
  const [serverSide] = await accepted;
  expect(client.extensions.startsWith('permessage-deflate')).toBe(perMessageDeflate);
  return { client, server: serverSide };
}

/** Collects messages until the close event; resolves with them and the close arguments. */
function collectUntilClose(session: Session): Promise<{ messages: Array<string | Buffer>; close: [number, string, boolean] }> {
  const messages: Array<string | Buffer> = [];
  session.on('message', (data) => messages.push(data));
  return withTimeout(
    new Promise((resolve) => session.once('close', (...close) => resolve({ messages, close }))),
    15_000,
    'all messages and the close',
  );
}

function burst(sender: Session): void {
  for (let i = 0; i < COUNT; i++) {
    // Mix text and binary, short and medium, so frames of several header sizes interleave.
    if (i % 3 === 0) sender.send(Buffer.from(`#${i}:${'b'.repeat(i % 300)}`));
    else sender.send(`#${i}:${'t'.repeat(i % 200)}`);
  }
  sender.close(1000, 'all sent');
}

function check(received: { messages: Array<string | Buffer>; close: [number, string, boolean] }): void {
  expect(received.messages).toHaveLength(COUNT);
  let firstWrong = -1;
  for (let i = 0; i < COUNT && firstWrong === -1; i++) {
    const m = received.messages[i]!;
    const expected = i % 3 === 0 ? `#${i}:${'b'.repeat(i % 300)}` : `#${i}:${'t'.repeat(i % 200)}`;
    const ok = i % 3 === 0 ? Buffer.isBuffer(m) && m.toString() === expected : m === expected;
    if (!ok) firstWrong = i;
  }
  expect(firstWrong).toBe(-1);
  expect(received.close).toEqual([1000, 'all sent', true]);
}

describe.each([
  { perMessageDeflate: false, ids: '[6455-6.2-1] [6455-6.1-9]', mode: 'uncompressed' },
  { perMessageDeflate: true, ids: '[6455-6.2-1] [6455-6.1-9] [7692-6.1-1] [7692-6.2-1]', mode: 'with permessage-deflate' },
])('$ids 10,000 messages then close, $mode', ({ perMessageDeflate }) => {
  it('client → server: all arrive in order before the close event', async () => {
    const { client, server } = await pair(perMessageDeflate);
    const received = collectUntilClose(server);
    burst(client);
    check(await received);
  });

  it('server → client: all arrive in order before the close event', async () => {
    const { client, server } = await pair(perMessageDeflate);
    const received = collectUntilClose(client);
    burst(server);
    check(await received);
  });
});
