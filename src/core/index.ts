// The sans-I/O protocol core of wsref: RFC 6455 (and RFC 7692, deflate-frame) as pure
// functions and state machines over Uint8Array. Browser-safe: no Node imports.
// See src/README.md for the map from RFC sections to modules.

/**
 * The sans-I/O protocol core: RFC 6455 as functions and state machines over `Uint8Array` —
 * handshake (§4), frame parser and writer (§5.2), masking (§5.3), control frames (§5.5), close
 * codes (§7.4), UTF-8 (§8.1), extensions (§9) and the `Connection` state machine. It imports
 * nothing from Node, so it runs in browsers too (the docs site's frame inspector uses it).
 *
 * @module wsref/core
 */

export * from './errors.js';
export * from './handshake/uri.js';
export * from './handshake/http-head.js';
export * from './handshake/accept-key.js';
export * from './handshake/header-fields.js';
export * from './handshake/client-handshake.js';
export * from './handshake/server-handshake.js';
export * from './handshake/opening-handshake.js';
export * from './framing/frame-header.js';
export * from './framing/mask.js';
export * from './framing/frame-parser.js';
export * from './messages/control-frames.js';
export * from './closing/close-codes.js';
export * from './messages/utf8.js';
export * from './handshake/extension-header.js';
export * from './extensions/extension.js';
export * from './extensions/deflate-codec.js';
export * from './extensions/permessage-deflate.js';
export * from './extensions/deflate-frame.js';
export * from './messages/message-assembler.js';
export * from './connection.js';
export * from './explain/frame-annotate.js';
export { concatBytes } from './bytes.js';
