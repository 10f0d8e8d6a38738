// RFC 8441 §3–§5 for people: the fields of an extended CONNECT and of its answer, each with the
// clause that gives it its meaning, for `wsref connect --http2 --trace` and `wsref serve --http2
// --trace` (the HTTP/2 counterpart of trace-format.ts's HTTP/1.1 heads; the frames that follow
// on the stream are RFC 6455's, traced there).

/** Where each field of the request is defined. */
const REQUEST_CLAUSES: Readonly<Record<string, string>> = {
  ':method': 'RFC 8441 §4 (CONNECT, extended)',
  ':protocol': 'RFC 8441 §4, §5 (must be websocket)',
  ':scheme': 'RFC 8441 §5 (https for wss, http for ws)',
  ':path': 'RFC 8441 §5 (the resource name)',
  ':authority': 'RFC 8441 §4, §5 (stands for Host)',
  'sec-websocket-version': 'RFC 8441 §5, RFC 6455 §4.1 item 9',
  'sec-websocket-protocol': 'RFC 8441 §5, RFC 6455 §4.1 item 10',
  'sec-websocket-extensions': 'RFC 8441 §5, RFC 6455 §4.1 item 11',
  origin: 'RFC 8441 §5, RFC 6455 §4.1 item 8',
};

/** Where each field of the answer is defined. */
const RESPONSE_CLAUSES: Readonly<Record<string, string>> = {
  ':status': 'RFC 8441 §5 (200: the stream is the WebSocket)',
  'sec-websocket-protocol': 'RFC 8441 §5, RFC 6455 §4.2.2',
  'sec-websocket-extensions': 'RFC 8441 §5, RFC 6455 §4.2.2, §9.1',
};

/**
 * The extended CONNECT or its answer as trace lines: a title, then one line per field with its
 * clause. The client sends the request and receives the answer; the server (`side`) the reverse.
 * Values are printed as JSON strings when they hold anything but visible ASCII.
 */
export function formatHttp2Head(headers: Readonly<Record<string, unknown>>, kind: 'request' | 'response', side: 'client' | 'server' = 'client'): string {
  const [sent, received] = ['→ sent     ', '← received '];
  const title = kind === 'request'
    ? `${side === 'client' ? sent : received} HTTP/2 extended CONNECT (opening handshake, RFC 8441 §4–§5; no key, no Upgrade)`
    : `${side === 'client' ? received : sent} HTTP/2 response (RFC 8441 §5${Number(headers[':status']) === 200 ? '' : ', handshake refused'})`;
  const clauses = kind === 'request' ? REQUEST_CLAUSES : RESPONSE_CLAUSES;
  const lines = [title];
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const text = Array.isArray(raw) ? raw.join(', ') : String(raw);
    const value = /^[\x20-\x7e]*$/.test(text) ? text : JSON.stringify(text);
    const line = `    ${name}: ${value}`;
    lines.push(clauses[name] ? `${line.padEnd(64)}  ${clauses[name]}` : line);
  }
  return lines.join('\n');
}
