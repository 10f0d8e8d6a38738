// The echo page: sends text and binary to /echo with the browser's WebSocket and checks what
// comes back, including one message in each payload length form (RFC 6455 §5.2).
'use strict';

const $ = (id) => document.getElementById(id);
const url = new URL('/echo', location.href);
url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
$('endpoint').textContent = url.href;

const socket = new WebSocket(url.href);
socket.binaryType = 'arraybuffer';
const waiting = [];

socket.onopen = () => {
  $('status').textContent = `Connected${socket.extensions ? ` — extensions: ${socket.extensions}` : ' — no extensions'}.`;
};
socket.onclose = (event) => {
  $('status').textContent = `Closed (code ${event.code}).`;
  $('status').classList.add('error');
};
socket.onmessage = (event) => {
  const next = waiting.shift();
  if (next) next(event.data);
  else log(describe(event.data, 'echoed'));
};

function log(text) {
  const item = document.createElement('li');
  item.textContent = text;
  $('log').prepend(item);
}

function describe(data, verb) {
  if (typeof data === 'string') return `${verb} text (${data.length} characters): ${data.slice(0, 200)}`;
  return `${verb} binary (${data.byteLength} bytes)`;
}

function echoOf(data) {
  return new Promise((resolve) => {
    waiting.push(resolve);
    socket.send(data);
  });
}

function randomBytes(n) {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(n, i + 65536)));
  return bytes;
}

function lengthForm(n) {
  return n <= 125 ? '7-bit' : n <= 65535 ? '16-bit' : '64-bit';
}

$('text-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('text').value;
  log(describe(text, 'sent'));
  socket.send(text);
});

$('binary-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const bytes = randomBytes(Math.max(0, Math.min(16 * 1024 * 1024, Number($('size').value) || 0)));
  log(describe(bytes.buffer, 'sent'));
  socket.send(bytes);
});

$('self-test').addEventListener('click', async () => {
  $('self-test').disabled = true;
  $('results').replaceChildren();
  for (const size of [0, 125, 126, 65535, 65536, 1024 * 1024]) {
    for (const type of ['text', 'binary']) {
      const sent = type === 'text' ? 'x'.repeat(size) : randomBytes(size);
      const back = await echoOf(sent);
      const ok = type === 'text' ? back === sent : back instanceof ArrayBuffer && sameBytes(new Uint8Array(back), sent);
      const row = document.createElement('tr');
      for (const [text, cls] of [[type], [String(size)], [lengthForm(size)], [ok ? 'echoed intact' : 'MISMATCH', ok ? 'pass' : 'fail']]) {
        const cell = document.createElement('td');
        cell.textContent = text;
        if (cls) cell.className = cls;
        row.append(cell);
      }
      $('results').append(row);
    }
  }
  $('self-test').disabled = false;
});

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
