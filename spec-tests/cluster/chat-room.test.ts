// The chat room's protocol beyond the two-person case, in one process (the in-process broker of
// examples/chat-broker.ts; no Redis needed): a big room sends membership changes instead of the
// whole list, and a member who comes back with the id of the last message it saw is sent what it
// missed. Members are wsref clients (RFC 6455 §4.1) speaking the chat's JSON text messages.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/index.js';
import { ChatClient } from '../../examples/chat-client.js';
import { FULL_LIST_LIMIT } from '../../examples/chat-room.js';
import { createDemoServer, defaultStaticRoots, type DemoServer } from '../../examples/server.js';
import { until } from '../helpers/node-peers.js';

describe('the chat room in one process', () => {
  let demo: DemoServer;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    demo = await createDemoServer({ port: 0, staticRoots: defaultStaticRoots(''), chatLimits: { maxMembers: 500, rateLimit: 1_000 } });
  });

  afterAll(async () => {
    for (const client of clients) client.leave();
    await demo?.close();
  });

  const url = () => `ws://127.0.0.1:${demo.port}/chat`;
  const member = (name: string) => {
    const client = new ChatClient(url(), name, { reconnect: false });
    clients.push(client);
    return client;
  };

  it("[wsref] above the full-list limit (FULL_LIST_LIMIT members), joins and leaves are gathered into 'changes' events without the whole list, and every member's list stays right", async () => {
    const room = Array.from({ length: FULL_LIST_LIMIT + 2 }, (_, i) => member(`big-${i}`));
    for (const client of room) await client.join();
    const names = room.map((c) => c.name);
    await until(() => room.every((c) => c.members.join() === names.join()), 5_000, 'every member has the full list');
    const first = room[0]!;
    // A member's raw view of the events: the next join and leave go out as changes.
    const raw = await connect(url());
    const events: Array<Record<string, unknown>> = [];
    raw.on('message', (data) => events.push(JSON.parse(String(data)) as Record<string, unknown>));
    raw.send(JSON.stringify({ type: 'join', name: 'raw' }));
    await until(() => events.length === 1, 2_000, 'raw is welcomed');
    expect(events[0]).toMatchObject({ type: 'welcome', name: 'raw' });
    expect(events[0]!.members).toHaveLength(FULL_LIST_LIMIT + 3); // the welcome always has the whole list
    const probe = new ChatClient(url(), 'probe', { reconnect: false });
    clients.push(probe);
    await probe.join();
    await until(() => first.members.includes('probe'), 2_000, 'the others apply the join');
    expect(first.members).toEqual([...names, 'raw', 'probe']);
    probe.leave();
    await until(() => !first.members.includes('probe'), 2_000, 'the others apply the leave');
    // What raw heard after its welcome: 'changes' only, no list (its own join may be among them).
    const news = events.slice(1) as Array<{ type: string; joined: string[]; left: string[]; count: number }>;
    expect(news.map((e) => Object.keys(e).sort().join())).toEqual(news.map(() => 'count,joined,left,type'));
    expect(news.every((e) => e.type === 'changes')).toBe(true);
    expect(news.flatMap((e) => e.joined).filter((n) => n !== 'raw')).toEqual(['probe']);
    expect(news.flatMap((e) => e.left)).toEqual(['probe']);
    expect(news.at(-1)!.count).toBe(FULL_LIST_LIMIT + 3);
    raw.close(1000);
    await until(() => !first.members.includes('raw'), 2_000, 'raw has left');
    expect(first.members).toEqual(names);
    expect(demo.room.names).toEqual(names);
    for (const client of room) client.leave();
    await until(() => demo.room.names.length === 0, 5_000, 'everyone left');
  });

  it('[wsref] a member who rejoins with the id of the last message it saw is sent the messages it missed, once', async () => {
    const stays = member('stays');
    const away = member('away');
    await stays.join();
    await away.join();
    stays.say('before');
    await until(() => away.messages.length === 1, 2_000, 'away hears "before"');
    away.leave();
    await until(() => !stays.members.includes('away'), 2_000, 'away has left');
    stays.say('missed 1');
    stays.say('missed 2');
    await until(() => stays.messages.length === 3, 2_000, 'stays hears its own lines');
    // Back, with the same client: it joins with after = the id of "before".
    const back = new ChatClient(url(), 'away', { reconnect: false });
    clients.push(back);
    back.messages.push(...away.messages);
    await back.join();
    await until(() => back.messages.length === 3, 2_000, 'the missed lines arrive');
    expect(back.messages.map((m) => m.text)).toEqual(['before', 'missed 1', 'missed 2']);
    expect(back.repeats).toBe(0);
  });
});
