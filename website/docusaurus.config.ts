// The wsref documentation site: Docusaurus 3, content in the repository's top-level docs/
// folder. Everything it needs is bundled at build time: no CDN, no web fonts, no analytics,
// no external search service. It must build and render with no network at all.

import type { Config } from '@docusaurus/types';
import type * as Preset from '@docusaurus/preset-classic';
import { themes as prismThemes } from 'prism-react-renderer';
import wsrefApiPlugin from './plugins/wsref-api';
import wsrefCorePlugin from './plugins/wsref-core';
import wsrefDataPlugin from './plugins/wsref-data';
import wsrefTestSourcesPlugin from './plugins/wsref-test-sources';
import rfcCitations from './plugins/rfc-citations';
import { protocolPages } from './sidebars';

/** The pages "The protocol" in the navbar stands for (the others have their own navbar entries). */
const protocolPagesRegex = `^/(${protocolPages.map((id) => (id === 'index' ? '' : `${id}/`)).join('|')})$`;

/**
 * The demo pages are served by `npm start` (examples/server.ts) next to the site, not by
 * Docusaurus: `pathname://` makes a plain link the client-side router and the link checker skip.
 */
const demoLink = (label: string, page: string) => ({ label, href: `pathname:///demo/${page}`, target: '_self' });

const config: Config = {
  title: 'wsref',
  tagline: 'The WebSocket protocol, annotated: RFC 6455 and RFC 7692 in TypeScript you can read',
  // Where the site will live; only used for absolute URLs (sitemap, canonical links).
  url: 'http://localhost',
  baseUrl: '/',
  favicon: 'favicon.svg',
  // Every page is a directory with an index.html (/inspector/), which any static file server —
  // the demo server of `npm start` included — serves without special rules.
  trailingSlash: true,

  // A link to a page that does not exist fails the build; so does a link to a missing heading.
  onBrokenLinks: 'throw',
  onBrokenAnchors: 'throw',
  onDuplicateRoutes: 'throw',

  // Docusaurus Faster (Rspack, SWC, Lightning CSS, pages rendered in worker threads) for a quick
  // first `npm start`: the same pages as webpack, built 2.5–9× faster on a loaded 2-core machine
  // (issue #12). The worker threads need the v4 flag removeLegacyPostBuildHeadAttribute.
  future: { v4: { removeLegacyPostBuildHeadAttribute: true }, faster: true },

  i18n: { defaultLocale: 'en', locales: ['en'] },

  markdown: {
    // .md files are CommonMark (so tables, `<` and `{` need no escaping); .mdx files are MDX.
    format: 'detect',
    mermaid: true,
    hooks: {
      onBrokenMarkdownLinks: 'throw',
    },
  },

  themes: ['@docusaurus/theme-mermaid'],

  presets: [
    [
      'classic',
      {
        docs: {
          // The docs are the site: docs/index.md is the home page.
          path: '../docs',
          routeBasePath: '/',
          sidebarPath: './sidebars.ts',
          showLastUpdateTime: false,
          // `§5.5.1`, `RFC 7692 §7.2` and draft names become links to the RFC (plugins/rfc-citations.ts).
          remarkPlugins: [rfcCitations],
        },
        blog: false,
        pages: false,
        theme: {
          customCss: './src/css/custom.css',
        },
      } satisfies Preset.Options,
    ],
  ],

  plugins: [
    // Lets site components import the protocol core: `import { … } from '@wsref/core'`.
    wsrefCorePlugin,
    // Lets pages import result files written by other tools, when they exist (see the plugin).
    wsrefDataPlugin,
    // The API reference: TypeDoc writes docs/api/ from the TSDoc of src/ before the docs load.
    wsrefApiPlugin,
    // The spec tests' source, a page per file with line anchors: the traceability page links there.
    wsrefTestSourcesPlugin,
    [
      // Full-text search built into the site at build time; runs in the browser, offline.
      '@easyops-cn/docusaurus-search-local',
      {
        docsDir: '../docs',
        docsRouteBasePath: '/',
        indexBlog: false,
        indexPages: false,
        hashed: true,
        language: ['en'],
        highlightSearchTermsOnTargetPage: true,
        explicitSearchResultPath: true,
      },
    ],
  ],

  themeConfig: {
    colorMode: { respectPrefersColorScheme: true },
    mermaid: { theme: { light: 'neutral', dark: 'dark' } },
    navbar: {
      title: 'wsref',
      items: [
        // Every page is in the one sidebar, so a docSidebar item would be highlighted everywhere.
        { to: '/', label: 'The protocol', position: 'left', activeBaseRegex: protocolPagesRegex },
        { to: '/tutorials/echo-server', label: 'Tutorials', position: 'left', activeBasePath: '/tutorials/' },
        {
          type: 'dropdown',
          label: 'Live demos',
          position: 'left',
          items: [demoLink('Chat room', 'chat.html'), demoLink('Echo', 'echo.html'), demoLink('All demos', '')],
        },
        { to: '/inspector', label: 'Frame inspector', position: 'left' },
        { to: '/conformance/autobahn', label: 'Conformance', position: 'left', activeBasePath: '/conformance/' },
        { to: '/performance', label: 'Performance', position: 'left' },
        { to: '/api/', label: 'API', position: 'left' },
      ],
    },
    footer: {
      style: 'dark',
      links: [
        {
          title: 'The protocol',
          items: [
            { label: 'Opening handshake', to: '/handshake' },
            { label: 'Framing', to: '/framing' },
            { label: 'Closing and status codes', to: '/closing' },
          ],
        },
        {
          title: 'Using wsref',
          items: [
            { label: 'Echo server', to: '/tutorials/echo-server' },
            { label: 'Chat', to: '/tutorials/chat' },
            { label: 'Browser-style client', to: '/tutorials/whatwg-client' },
          ],
        },
        {
          title: 'Live demos',
          items: [demoLink('Chat room', 'chat.html'), demoLink('Echo', 'echo.html')],
        },
      ],
      copyright: 'wsref — MIT licensed. RFC text is quoted only in short citations; explanations are our own.',
    },
    prism: {
      theme: prismThemes.github,
      darkTheme: prismThemes.dracula,
      additionalLanguages: ['http', 'bash', 'diff'],
    },
    tableOfContents: { minHeadingLevel: 2, maxHeadingLevel: 3 },
  } satisfies Preset.ThemeConfig,
};

export default config;
