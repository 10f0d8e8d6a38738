// RFC 6455 §9 on Node: turns the runtime's compression options into extension plug-ins
// (RFC 7692 permessage-deflate, the deflate-frame draft) backed by Node's zlib.

import { deflateFrame, type DeflateFrameOptions } from '../core/extensions/deflate-frame.js';
import type { ExtensionFactory } from '../core/extensions/extension.js';
import { permessageDeflate, type PermessageDeflateOptions } from '../core/extensions/permessage-deflate.js';
import { createZlibCodec } from './zlib-codec.js';

/** Compression settings shared by the server and the client. */
export interface CompressionOptions {
  /** permessage-deflate (RFC 7692): `true` for the defaults, or its parameters. Default off. */
  perMessageDeflate?: boolean | Omit<PermessageDeflateOptions, 'codec'>;
  /**
   * The older per-frame draft (`deflate-frame`, WebKit's `x-webkit-deflate-frame`): `true` for
   * both names with defaults, or its parameters. Default off. A server picks at most one
   * compression extension per connection: both use RSV1.
   */
  deflateFrame?: boolean | Omit<DeflateFrameOptions, 'codec'>;
}

/** The extension factories for these options, in order of preference. */
export function buildExtensionFactories(options: CompressionOptions): ExtensionFactory[] {
  const factories: ExtensionFactory[] = [];
  const { perMessageDeflate, deflateFrame: perFrame } = options;
  if (perMessageDeflate) {
    factories.push(permessageDeflate({ ...(perMessageDeflate === true ? {} : perMessageDeflate), codec: createZlibCodec() }));
  }
  if (perFrame) {
    const settings = perFrame === true ? {} : perFrame;
    const names = settings.name ? [settings.name] : (['deflate-frame', 'x-webkit-deflate-frame'] as const);
    for (const name of names) factories.push(deflateFrame({ ...settings, name, codec: createZlibCodec() }));
  }
  return factories;
}
