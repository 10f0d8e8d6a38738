// WHATWG WebSockets Standard, "establish a WebSocket connection": the handshake is a fetch, and
// Fetch (fetch.spec.whatwg.org, "HTTP-network-or-cache fetch") answers a 401 by retrying with the
// URL's credentials as `Authorization: Basic`. RFC 6455 §3 has no userinfo in a WebSocket URI,
// so the client takes the credentials out of the URL before parsing it.

import { HandshakeError } from '../core/index.js';

/**
 * Credentials in the URL (`ws://user:pass@host/`) are not part of a WebSocket URI (RFC 6455 §3);
 * the WHATWG standard fetches the handshake, and Fetch turns them into `Authorization: Basic`
 * (user and password percent-decoded, joined by ":", base64). Returns the URL without them.
 */
export function takeCredentials(url: string): { url: string; authorization: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, authorization: undefined }; // parseWebSocketUri says what is wrong with it
  }
  if (parsed.username === '' && parsed.password === '') return { url, authorization: undefined };
  const authorization = basicAuthorization(parsed.username, parsed.password);
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.href, authorization };
}

/** `Basic` credentials from a URL's (percent-encoded) user and password. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.concat([percentDecode(username), Buffer.from(':'), percentDecode(password)]).toString('base64')}`;
}

/** URL "percent-decode": %XX becomes the byte XX; anything else, a stray "%" included, stays as its UTF-8 bytes. */
function percentDecode(text: string): Buffer {
  const input = Buffer.from(text, 'utf8');
  const output = Buffer.alloc(input.length);
  let length = 0;
  for (let i = 0; i < input.length; i++) {
    const hex = input[i] === 0x25 ? input.subarray(i + 1, i + 3).toString('latin1') : '';
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      output[length++] = parseInt(hex, 16);
      i += 2;
    } else output[length++] = input[i]!;
  }
  return output.subarray(0, length);
}

/**
 * The request headers for a second attempt after `error`, or undefined when there is none to
 * make: only a 401 answer, only when the URL carried credentials, and only when the caller did
 * not set an `Authorization` header of their own (Fetch: a header already present wins).
 */
export function headersForAuthenticationRetry(
  error: unknown,
  authorization: string | undefined,
  headers: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (authorization === undefined || !(error instanceof HandshakeError) || error.status !== 401) return undefined;
  if (Object.keys(headers ?? {}).some((name) => name.toLowerCase() === 'authorization')) return undefined;
  return { ...headers, Authorization: authorization };
}
