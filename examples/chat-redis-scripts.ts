// The chat room's shared state in Redis, changed only by these Lua scripts. Redis runs a script
// atomically, so "is the name free? take it, and tell everyone the new list" is one step: every
// process sees the same membership changes, in the same order, each with the whole member list.
// (Fan-out of RFC 6455 messages between processes; the protocol itself ends at one connection.)
//
// Keys, all under one prefix (ARGV[1]; default `wsref:{chat}:` — the braces keep every key in
// one Redis Cluster hash slot):
//   owner     hash   lower-cased name → id of the process the member is connected to
//   display   hash   lower-cased name → the name as the member wrote it
//   order     zset   display names, scored by joining order (the member list)
//   seq       string the joining counter
//   names:<p> set    lower-cased names held by process <p>
//   nodes     set    processes that registered; alive:<p> expires unless <p> keeps beating
//   history   stream the last messages, for catching up; events  the pub/sub channel

import { createHash } from 'node:crypto';

export interface Script {
  readonly lua: string;
  readonly sha: string;
}

const COMMON = `
local P = ARGV[1]
local function announce(event)
  event.members = redis.call('ZRANGE', P .. 'order', 0, -1)
  local json = cjson.encode(event)
  redis.call('PUBLISH', P .. 'events', json)
  return json
end
local function add(key, name, node)
  redis.call('HSET', P .. 'owner', key, node)
  redis.call('HSET', P .. 'display', key, name)
  redis.call('ZADD', P .. 'order', redis.call('INCR', P .. 'seq'), name)
  redis.call('SADD', P .. 'names:' .. node, key)
end
local function remove(key, node)
  if redis.call('HGET', P .. 'owner', key) ~= node then return false end
  local name = redis.call('HGET', P .. 'display', key)
  redis.call('HDEL', P .. 'owner', key)
  redis.call('HDEL', P .. 'display', key)
  redis.call('ZREM', P .. 'order', name)
  redis.call('SREM', P .. 'names:' .. node, key)
  return name
end
`;

function script(body: string): Script {
  const lua = COMMON + body;
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/** ARGV: prefix, node, key, name, maxMembers → 'taken' | 'full' | the 'joined' event's JSON. */
export const JOIN = script(`
if redis.call('HEXISTS', P .. 'owner', ARGV[3]) == 1 then return 'taken' end
if redis.call('HLEN', P .. 'owner') >= tonumber(ARGV[5]) then return 'full' end
add(ARGV[3], ARGV[4], ARGV[2])
return announce({type = 'joined', name = ARGV[4], node = ARGV[2]})
`);

/** ARGV: prefix, node, key. Announces 'left' when the process held the name. */
export const LEAVE = script(`
local name = remove(ARGV[3], ARGV[2])
if name then announce({type = 'left', name = name, node = ARGV[2]}) end
return name and 1 or 0
`);

/** ARGV: prefix, node, ttl ms → 1 when the process was not registered (first beat, swept, or Redis lost its data). */
export const HEARTBEAT = script(`
redis.call('SET', P .. 'alive:' .. ARGV[2], '1', 'PX', ARGV[3])
return redis.call('SADD', P .. 'nodes', ARGV[2])
`);

/** ARGV: prefix. Removes the members of every process whose alive key expired; a 'left' for each. */
export const SWEEP = script(`
local gone = 0
for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  if redis.call('EXISTS', P .. 'alive:' .. node) == 0 then
    for _, key in ipairs(redis.call('SMEMBERS', P .. 'names:' .. node)) do
      local name = remove(key, node)
      if name then announce({type = 'left', name = name, node = node}) end
    end
    redis.call('DEL', P .. 'names:' .. node)
    redis.call('SREM', P .. 'nodes', node)
    gone = gone + 1
  end
end
return gone
`);

/**
 * ARGV: prefix, node, n, n lower-cased names to drop, then (key, name) pairs to hold. Brings Redis
 * back in line with the process after an outage; one 'members' event if anything changed. Returns
 * the names another process took meanwhile.
 */
export const SYNC = script(`
local node = ARGV[2]
local drops = tonumber(ARGV[3])
local changed = false
local lost = {}
for i = 4, 3 + drops do
  if remove(ARGV[i], node) then changed = true end
end
for i = 4 + drops, #ARGV, 2 do
  local owner = redis.call('HGET', P .. 'owner', ARGV[i])
  if not owner then
    add(ARGV[i], ARGV[i + 1], node)
    changed = true
  elseif owner ~= node then
    table.insert(lost, ARGV[i + 1])
  end
end
if changed then announce({type = 'members'}) end
return lost
`);

/** ARGV: prefix, node. A process that shuts down: its members leave at once, it unregisters. */
export const RETIRE = script(`
for _, key in ipairs(redis.call('SMEMBERS', P .. 'names:' .. ARGV[2])) do
  local name = remove(key, ARGV[2])
  if name then announce({type = 'left', name = name, node = ARGV[2]}) end
end
redis.call('DEL', P .. 'names:' .. ARGV[2], P .. 'alive:' .. ARGV[2])
return redis.call('SREM', P .. 'nodes', ARGV[2])
`);

/** ARGV: prefix, message JSON, history length. Keeps the message in the stream, then publishes it. */
export const SAY = script(`
redis.call('XADD', P .. 'history', 'MAXLEN', '~', ARGV[3], '*', 'm', ARGV[2])
return redis.call('PUBLISH', P .. 'events', ARGV[2])
`);

export const ALL_SCRIPTS = [JOIN, LEAVE, HEARTBEAT, SWEEP, SYNC, RETIRE, SAY];
