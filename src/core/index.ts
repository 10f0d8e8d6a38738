// The sans-I/O protocol core of wsref: RFC 6455 (with RFC 7692, deflate-frame and RFC 8441's
// handshake) as functions and state machines over Uint8Array. Browser-safe: no Node imports.
// This file is the core's public surface, listed name by name in the RFC's order; what is not
// here is an internal part of a module (src/README.md maps sections to modules).

/**
 * The sans-I/O protocol core: RFC 6455 as functions and state machines over `Uint8Array` —
 * handshake (§4), frame parser and writer (§5.2), masking (§5.3), control frames (§5.5), close
 * codes (§7.4), UTF-8 (§8.1), extensions (§9), the rules every check applies, and the
 * `Connection` state machine you pull events from. It imports nothing from Node, so it runs in
 * browsers too (the docs site's frame inspector uses it).
 *
 * @module wsref/core
 */

// Failing the connection (§7.1.7) and the table of rules each check applies.
export { ProtocolError, HandshakeError, type HandshakeErrorOptions } from './errors.js';
export { RULES, ruleMessage, type Rule, type RuleKey, type RuleDetails } from './rules.js';

// §3 URIs and §4 the opening handshake (HTTP/1.1), §9.1 the extensions header.
export { parseWebSocketUri, type WebSocketUri } from './handshake/uri.js';
export {
  HttpHeadParser,
  DEFAULT_HTTP_HEAD_LIMITS,
  headerListFromRaw,
  headerValues,
  isToken,
  type HeaderList,
  type HttpHeadLimits,
  type HttpHeadResult,
  type ParsedHead,
  type ParsedRequestHead,
  type ParsedResponseHead,
} from './handshake/http-head.js';
export { WEBSOCKET_GUID, WEBSOCKET_VERSION, generateKey, computeAccept, type Sha1 } from './handshake/accept-key.js';
export {
  buildClientRequest,
  validateServerResponse,
  type ClientRequestOptions,
  type ExpectedServerResponse,
  type ValidatedResponse,
} from './handshake/client-handshake.js';
export {
  validateClientRequest,
  buildServerResponse,
  buildRejectResponse,
  selectSubprotocol,
  type ClientRequestHead,
  type ValidatedRequest,
  type ServerResponseOptions,
  type RejectResponseOptions,
} from './handshake/server-handshake.js';
export {
  ClientHandshaker,
  ServerHandshaker,
  answerClientHandshake,
  type ClientHandshakeOptions,
  type ServerHandshakeOptions,
  type HandshakeOutcome,
  type ServerAnswer,
} from './handshake/opening-handshake.js';
export { parseExtensionHeader, serializeExtensionHeader, type ExtensionOffer } from './handshake/extension-header.js';

// RFC 8441: the opening handshake over HTTP/2 (extended CONNECT).
export {
  buildExtendedConnectRequest,
  validateExtendedConnect,
  answerExtendedConnect,
  validateExtendedConnectResponse,
  isExtendedConnect,
  MalformedStreamError,
  Http2ErrorCode,
  type Http2Headers,
  type ValidatedExtendedConnect,
  type ExtendedConnectAnswer,
  type ExtendedConnectAnswerOptions,
  type ExtendedConnectRequestOptions,
  type ValidatedExtendedConnectResponse,
} from './handshake/extended-connect.js';

// §5.2–§5.3 framing: the header, masking, the parser and the writer.
export {
  Opcode,
  FIN,
  RSV1,
  RSV2,
  RSV3,
  RSV_MASK,
  MASK,
  MAX_CONTROL_PAYLOAD,
  isControlOpcode,
  isDefinedOpcode,
  opcodeName,
  frameHeaderLength,
  writeFrameHeader,
} from './framing/frame-header.js';
export { type Allocate } from './bytes.js';
export { maskInPlace, maskInto, useMaskKernel, activeMaskKernel, type MaskKernel } from './framing/mask.js';
export { FrameParser, type FrameSink, type FrameParserOptions } from './framing/frame-parser.js';
export { FrameWriter, createMaskKeySource, type MaskKeySource } from './framing/frame-writer.js';

// §5.4–§5.6 and §8.1 messages: UTF-8, assembly.
export { isValidUtf8, Utf8Validator, type WholeUtf8Check } from './messages/utf8.js';
export { MessageAssembler, type AssembledMessage } from './messages/message-assembler.js';

// §7 closing: status codes and close frame bodies.
export {
  CloseCode,
  CLOSE_CODES,
  MAX_CLOSE_REASON_BYTES,
  isWireCloseCode,
  decodeCloseBody,
  encodeCloseBody,
  type CloseCodeInfo,
  type CloseInfo,
} from './closing/close-codes.js';
export { internalError, type CloseResult, type TransportClose } from './closing/closing-handshake.js';

// §9 extensions: the plug-in interface, the DEFLATE seam, permessage-deflate and deflate-frame.
export {
  offerExtensions,
  negotiateServerExtensions,
  acceptServerExtensions,
  describeExtensions,
  type Extension,
  type ExtensionFactory,
  type ExtensionParams,
  type IncomingFrameInfo,
  type OutgoingFrameInfo,
  type EncodedFrame,
  type ServerNegotiation,
} from './extensions/extension.js';
export {
  InflateLimitError,
  type DeflateCodec,
  type Deflater,
  type DeflaterOptions,
  type Inflater,
  type InflaterOptions,
} from './extensions/deflate-codec.js';
export { permessageDeflate, type PermessageDeflateOptions } from './extensions/permessage-deflate.js';
export { deflateFrame, type DeflateFrameOptions } from './extensions/deflate-frame.js';

// §4–§7 together: the connection you feed bytes and pull events from.
export { Connection } from './connection.js';
export {
  ReadyState,
  DEFAULT_MAX_MESSAGE_SIZE,
  type ConnectionEvent,
  type ConnectionOptions,
  type Role,
  type OpenEvent,
  type PingPongEvent,
  type ClosingEvent,
  type FailureEvent,
} from './connection-types.js';

// §5.2 for people: one frame's bytes explained field by field (CLI trace, docs inspector).
export { annotateFrame, type FrameAnnotation, type LengthForm } from './explain/frame-annotate.js';
export { hex, type AnnotateOptions, type FrameField } from './explain/frame-field.js';
