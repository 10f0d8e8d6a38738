// RFC 6455 §9 on Node: turns the runtime's compression options into extension plug-ins
// (RFC 7692 permessage-deflate, the deflate-frame draft) backed by Node's zlib.

import { deflateFrame, type DeflateFrameOptions } from '../core/extensions/deflate-frame.js';
import type { ExtensionFactory } from '../core/extensions/extension.js';
import { permessageDeflate, type PermessageDeflateOptions } from '../core/extensions/permessage-deflate.js';
import { createZlibCodec } from './zlib-codec.js';

/** What the Node layer's zlib adds to either extension's parameters. */
export interface ZlibCompressionSettings {
  /**
   * Milliseconds after which a connection's compressor that sent nothing gives its memory back
   * (about 217 KiB at 15-bit windows, memLevel 8); the next message opens a fresh one and is
   * compressed without history (RFC 7692 allows it, context takeover or not). Default: never.
   */
  releaseQuietCompressorAfter?: number;
}

/** Compression settings shared by the server and the client. */
export interface CompressionOptions {
  /** permessage-deflate (RFC 7692): `true` for the defaults, or its parameters. Default off. */
  perMessageDeflate?: boolean | (Omit<PermessageDeflateOptions, 'codec'> & ZlibCompressionSettings);
  /**
   * The older per-frame draft (`deflate-frame`, WebKit's `x-webkit-deflate-frame`): `true` for
   * both names with defaults, or its parameters. Default off. A server picks at most one
   * compression extension per connection: both use RSV1.
   */
  deflateFrame?: boolean | (Omit<DeflateFrameOptions, 'codec'> & ZlibCompressionSettings);
}

/** The extension factories for these options, in order of preference. */
export function buildExtensionFactories(options: CompressionOptions): ExtensionFactory[] {
  const factories: ExtensionFactory[] = [];
  const { perMessageDeflate, deflateFrame: perFrame } = options;
  if (perMessageDeflate) {
    const { releaseQuietCompressorAfter, ...parameters } = perMessageDeflate === true ? {} : perMessageDeflate;
    factories.push(permessageDeflate({ ...parameters, codec: createZlibCodec({ releaseQuietCompressorAfter }) }));
  }
  if (perFrame) {
    const { releaseQuietCompressorAfter, ...parameters } = perFrame === true ? {} : perFrame;
    const names = parameters.name ? [parameters.name] : (['deflate-frame', 'x-webkit-deflate-frame'] as const);
    for (const name of names) factories.push(deflateFrame({ ...parameters, name, codec: createZlibCodec({ releaseQuietCompressorAfter }) }));
  }
  return factories;
}
