// The chat page: the JSON protocol of examples/chat-room.ts over the browser's WebSocket.
// Everything a user wrote is placed with textContent, never parsed as HTML.
'use strict';

const $ = (id) => document.getElementById(id);
let socket = null;
let joined = false;
let myName = '';

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
      showRoom(true);
      showMembers(event.members);
      addLine('system', [['', `You joined as ${event.name}.`]]);
      break;
    case 'joined':
      showMembers(event.members);
      addLine('system', [['', `${event.name} joined.`]]);
      break;
    case 'left':
      showMembers(event.members);
      addLine('system', [['', `${event.name} left.`]]);
      break;
    case 'message':
      addLine('message', [['time', new Date(event.time).toLocaleTimeString()], ['from', event.from], ['text', event.text]]);
      break;
    case 'error':
      if (joined) addLine('error', [['', event.message]]);
      else setStatus(event.message, true);
      break;
  }
}

function connect(name) {
  setStatus('Connecting…');
  socket = new WebSocket(endpoint('/chat'));
  socket.onopen = () => {
    setStatus(`Connected${socket.extensions ? ` (${socket.extensions})` : ''}.`);
    socket.send(JSON.stringify({ type: 'join', name }));
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
    showRoom(false);
    showMembers([]);
    setStatus(`Disconnected (code ${event.code}${event.wasClean ? '' : ', not clean'}).`, !event.wasClean);
    $('join').disabled = false;
  };
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
  if (socket) socket.close(1000, 'leaving');
});
