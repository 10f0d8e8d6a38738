// One chat process of a cluster: the demo server (examples/server.ts — static pages, /echo, and
// /chat, RFC 6455 §4.2 endpoints inside one HTTP server) with its chat room shared through Redis.
// Configured by the environment, as a container or `npm run chat:cluster` starts it:
//
//   PORT, HOST                 where it listens (default 8080 on 127.0.0.1)
//   REDIS_URL                  the broker (without it, the room is this process's alone)
//   CHAT_MAX_MEMBERS           room-wide member limit (default 200)
//   CHAT_RATE_LIMIT            messages per member per 10 s (default 20)
//
// On SIGTERM/SIGINT it closes every session with 1001 Going Away (§7.4.1) and unregisters its
// members at once; after `kill -9` the other processes remove them within PRESENCE_BOUND_MS.

import { createDemoServer, defaultStaticRoots } from './server.js';

const numberFrom = (value: string | undefined) => (value ? Number(value) : undefined);
const maxMembers = numberFrom(process.env.CHAT_MAX_MEMBERS);
const rateLimit = numberFrom(process.env.CHAT_RATE_LIMIT);

const demo = await createDemoServer({
  port: Number(process.env.PORT ?? 8080),
  host: process.env.HOST ?? '127.0.0.1',
  staticRoots: defaultStaticRoots(),
  redisUrl: process.env.REDIS_URL || undefined,
  chatLimits: { ...(maxMembers ? { maxMembers } : {}), ...(rateLimit ? { rateLimit } : {}) },
  log: (line) => console.log(line),
});
console.log(`chat process ${demo.room.broker.node} listening on ${demo.url} (${process.env.REDIS_URL ? `Redis ${process.env.REDIS_URL}` : 'no Redis'})`);
const stop = () => void demo.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
