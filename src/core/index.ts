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
export * from './uri.js';
export * from './http-head.js';
export * from './handshake.js';
export * from './handshake-client.js';
export * from './handshake-server.js';
export * from './handshaker.js';
export * from './frame.js';
export * from './mask.js';
export * from './frame-parser.js';
export * from './control.js';
export * from './close.js';
export * from './utf8.js';
export * from './extension-header.js';
export * from './extension.js';
export * from './deflate-codec.js';
export * from './permessage-deflate.js';
export * from './deflate-frame.js';
export * from './message-assembler.js';
export * from './connection.js';
export * from './frame-annotate.js';
export { concatBytes } from './bytes.js';
