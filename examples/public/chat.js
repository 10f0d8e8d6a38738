// The chat page: the JSON protocol of examples/chat-room.ts over the browser's WebSocket.
// Everything a user wrote is placed with textContent, never parsed as HTML.
// When the connection is lost without our asking (the server died or restarted: 1006, 1001, …),
// the page reconnects by itself — after a random delay, then waiting longer after each failure
// (RFC 6455 §7.2.3) — joins again with the same name and the id of the last message it saw, so
// the server sends what it missed; a message that arrives twice is shown once.
'use strict';

const $ = (id) => document.getElementById(id);
let socket = null;
let joined = false;
let myName = '';
/** The name to join with again after a lost connection; '' once the user leaves. */
let rejoinName = '';
let failedAttempts = 0;
let reconnectTimer = null;
let lastMessageId = '';
const seenIds = new Set();
/** Codes that say the server went away, not that it refused us (RFC 6455 §7.4.1). */
const SERVER_WENT_AWAY = [1001, 1006, 1011, 1012, 1013, 1014];
let retryAfterClose = false;

/** ws:// or wss:// URL of an endpoint on this server (the WHATWG API would map http: itself, too). */
function endpoint(path) {
  const url = new URL(path, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

function addLine(kind, parts) {
  const item = document.createElement('li');
  item.className = kind;
  for (const [cls, text] of parts) {
    const span = document.createElement('span');
    if (cls) span.className = cls;
    span.textContent = text;
    item.append(span);
  }
  const log = $('log');
  log.append(item);
  while (log.children.length > 500) log.firstElementChild.remove();
  log.parentElement.scrollTop = log.parentElement.scrollHeight;
}

function showMembers(names) {
  const list = $('members');
  list.replaceChildren(
    ...names.map((name) => {
      const item = document.createElement('li');
      item.textContent = name;
      if (name === myName) item.className = 'me';
      return item;
    }),
  );
  $('count').textContent = String(names.length);
}

function shownMembers() {
  return [...$('members').children].map((item) => item.textContent);
}

function showRoom(visible) {
  $('room').classList.toggle('hidden', !visible);
  $('join-form').classList.toggle('hidden', visible);
  if (visible) $('text').focus();
}

function onEvent(event) {
  switch (event.type) {
    case 'welcome':
      joined = true;
      myName = event.name;
      rejoinName = event.name;
      failedAttempts = 0;
      showRoom(true);
      showMembers(event.members);
      addLine('system', [['', `You joined as ${event.name}.`]]);
      break;
    case 'members':
      showMembers(event.members);
      break;
    case 'joined':
      showMembers(event.members);
      addLine('system', [['', `${event.name} joined.`]]);
      break;
    case 'changes': {
      // A big room gathers joins and leaves: apply them to the list we have.
      const shown = shownMembers();
      const left = new Set(event.left);
      showMembers([...shown, ...event.joined.filter((n) => !shown.includes(n))].filter((n) => !left.has(n)));
      const count = event.joined.length + event.left.length;
      if (count <= 3) for (const [names, verb] of [[event.joined, 'joined'], [event.left, 'left']]) for (const n of names) addLine('system', [['', `${n} ${verb}.`]]);
      else addLine('system', [['', `${event.joined.length} joined, ${event.left.length} left; ${event.count} members.`]]);
      break;
    }
    case 'left':
      showMembers(event.members);
      addLine('system', [['', `${event.name} left.`]]);
      break;
    case 'message':
      if (seenIds.has(event.id)) break; // a repeat from the catch-up after a reconnect
      seenIds.add(event.id);
      if (seenIds.size > 2000) seenIds.delete(seenIds.values().next().value);
      lastMessageId = event.id;
      addLine('message', [['time', new Date(event.time).toLocaleTimeString()], ['from', event.from], ['text', event.text]]);
      break;
    case 'error':
      if (joined) addLine('error', [['', event.message]]);
      else setStatus(event.message, true);
      // Rejoining: our name may still be held by the server that died, until the room notices (seconds).
      if (!joined && rejoinName && socket) {
        retryAfterClose = true;
        socket.close(1000, 'will retry');
      }
      break;
  }
}

function connect(name) {
  setStatus('Connecting…');
  socket = new WebSocket(endpoint('/chat'));
  socket.onopen = () => {
    setStatus(`Connected${socket.extensions ? ` (${socket.extensions})` : ''}.`);
    socket.send(JSON.stringify(rejoinName && lastMessageId ? { type: 'join', name, after: lastMessageId } : { type: 'join', name }));
  };
  socket.onmessage = (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    onEvent(event);
  };
  socket.onclose = (event) => {
    joined = false;
    socket = null;
    showMembers([]);
    const retry = retryAfterClose || SERVER_WENT_AWAY.includes(event.code);
    retryAfterClose = false;
    if (rejoinName && retry) return scheduleReconnect(event);
    rejoinName = '';
    showRoom(false);
    setStatus(`Disconnected (code ${event.code}${event.wasClean ? '' : ', not clean'}).`, !event.wasClean);
    $('join').disabled = false;
  };
}

/** RFC 6455 §7.2.3: a random first delay, then truncated binary exponential backoff (0.5 s … 30 s). */
function scheduleReconnect(event) {
  const delay = Math.min(30_000, 500 * 2 ** failedAttempts) * (0.5 + Math.random() / 2);
  failedAttempts++;
  setStatus(`Connection lost (code ${event.code}). Reconnecting in ${(delay / 1000).toFixed(1)} s…`, true);
  reconnectTimer = setTimeout(() => {
    reconnectTimer = null;
    if (rejoinName) connect(rejoinName);
  }, delay);
}

$('join-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = $('name').value.trim();
  if (!name) return;
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'join', name }));
  else if (!socket) connect(name);
});

$('say-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (!text.trim() || !socket || socket.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ type: 'say', text }));
  $('text').value = '';
});

$('leave').addEventListener('click', () => {
  rejoinName = '';
  clearTimeout(reconnectTimer);
  if (socket) socket.close(1000, 'leaving');
  else {
    showRoom(false);
    setStatus('Disconnected.');
  }
});
