// A Docusaurus plugin that lets the site import the protocol core straight from the
// repository's TypeScript sources, so the docs run the very code the tests exercise:
//
//   import { annotateFrame } from '@wsref/core';            // src/core/index.ts
//   import { ProtocolError } from '@wsref/core/errors.js';  // src/core/errors.ts
//
// The core is written for NodeNext module resolution: its imports say `./frame.js` while the
// file on disk is `frame.ts`. `extensionAlias` teaches webpack the same mapping. It is scoped
// to requests made from the core and from the site's own components, so packages in
// node_modules resolve exactly as before.

import path from 'node:path';
import type { LoadContext, Plugin } from '@docusaurus/types';

export default function wsrefCorePlugin(context: LoadContext): Plugin {
  const coreDir = path.resolve(context.siteDir, '../src/core');
  const siteSrcDir = path.resolve(context.siteDir, 'src');
  return {
    name: 'wsref-core',
    configureWebpack() {
      return {
        resolve: {
          alias: {
            '@wsref/core$': path.join(coreDir, 'index.ts'),
            '@wsref/core': coreDir,
          },
        },
        module: {
          rules: [
            {
              test: /\.[cm]?[jt]sx?$/i,
              include: [coreDir, siteSrcDir],
              resolve: {
                extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
                fullySpecified: false,
              },
            },
          ],
        },
      };
    },
  };
}
