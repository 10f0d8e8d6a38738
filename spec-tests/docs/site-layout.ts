// What the documentation site test (site.test.ts) measures inside a page, and how it reads the
// RFC citation links of the built HTML. The page scripts are strings evaluated in Chromium (the
// tests are type-checked without the DOM library).

import { readFileSync } from 'node:fs';
import { RFC_SECTIONS } from '../../website/plugins/rfc-citations.js';

/** A phone's width: no page may be wider than this (nothing to scroll sideways but code and tables). */
export const PHONE_WIDTH = 390;

export interface LayoutReport {
  /** The document's width when it is `PHONE_WIDTH` wide: more means the page scrolls sideways. */
  readonly scrollWidth: number;
  readonly viewportWidth: number;
  /** Elements reaching past the right edge outside any box that scrolls sideways. */
  readonly beyondEdge: string[];
  /** Words of table headers drawn on two lines (`ready` / `State`). */
  readonly brokenHeaderWords: string[];
}

/** Measures the layout of the page as it is drawn now (evaluate with `page.evaluate`). */
export const MEASURE_LAYOUT = `(() => {
  const width = document.documentElement.clientWidth;
  const scrollsSideways = (element) => {
    for (let a = element.parentElement; a; a = a.parentElement) {
      const overflow = getComputedStyle(a).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') return true;
    }
    return false;
  };
  const describe = (e) => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '') +
    ' right=' + Math.round(e.getBoundingClientRect().right) + ' "' + (e.textContent || '').trim().slice(0, 30) + '"';
  const beyondEdge = [...document.querySelectorAll('#__docusaurus main *')].filter((e) => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && box.right > width + 1 && !scrollsSideways(e);
  }).slice(0, 5).map(describe);
  const brokenHeaderWords = [];
  for (const th of document.querySelectorAll('article th')) {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/[^\\s\\-–/]+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) brokenHeaderWords.push(word[0]);
      }
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, viewportWidth: width, beyondEdge, brokenHeaderWords };
})()`;

/** An init script that records every title the document shows, from its first byte on. */
export const RECORD_TITLES = `window.__wsrefTitles = [];
new MutationObserver(() => {
  const shown = window.__wsrefTitles;
  if (shown[shown.length - 1] !== document.title) shown.push(document.title);
}).observe(document, { subtree: true, childList: true, characterData: true });`;

/** The titles RECORD_TITLES saw. */
export const TITLES_SHOWN = 'window.__wsrefTitles || []';

/** One link the citation plugin made: its text, where it goes, and the RFC its text implies. */
export interface CitationLink {
  readonly page: string;
  readonly text: string;
  readonly href: string;
  /**
   * The RFC a reader takes the citation to mean: the one its text names; else the one of the
   * citation just before it when only a list separator stands between them (`RFC 7692 §6, §7.2`);
   * else RFC 6455, or RFC 7692 for a section only RFC 7692 has.
   */
  readonly meantRfc: number;
}

// Attribute values may be unquoted: the build minifies its HTML.
const LINK = /<a [^>]*href="?(https:\/\/(?:www\.rfc-editor\.org\/rfc|datatracker\.ietf\.org\/doc\/html)\/[^"\s>]+)"?[^>]*>([^<]*)<\/a>/g;
const LIST_SEPARATOR = /^\s*(?:,|–|-|\/|and|or|,\s*and|,\s*or)?\s*$/;

/** The links to rfc-editor.org and datatracker in a built page's HTML, in document order. */
export function citationLinks(html: string, page: string): CitationLink[] {
  const links: CitationLink[] = [];
  let previousEnd = -1;
  for (const m of html.matchAll(LINK)) {
    const text = m[2]!.replace(/&nbsp;|\u00a0|\s+/g, ' ');
    const named = /^RFC (\d{4}) /.exec(text);
    const previous = links.at(-1);
    const continues = previous !== undefined && previousEnd >= 0 && LIST_SEPARATOR.test(html.slice(previousEnd, m.index));
    const section = /§(\d+(?:\.\d+)*)$/.exec(text)?.[1] ?? '';
    const bare = RFC_SECTIONS[6455]!.has(section) || !RFC_SECTIONS[7692]!.has(section) ? 6455 : 7692;
    links.push({ page, href: m[1]!, text, meantRfc: named ? Number(named[1]) : continues ? previous.meantRfc : bare });
    previousEnd = m.index + m[0].length;
  }
  return links;
}

/** The built HTML of a page of the sitemap. */
export function builtHtml(siteDir: string, pathname: string): string {
  return readFileSync(`${siteDir}${pathname.replace(/^\//, '')}index.html`, 'utf8');
}

/**
 * Why a section citation link is wrong, or undefined when it is right: `§x.y` must go to
 * `#section-x.y` of the RFC it means, and that RFC must have the section.
 */
export function citationProblem(link: CitationLink): string | undefined {
  const cited = /^(?:RFC (\d{4}) )?§(\d+(?:\.\d+)*)$/.exec(link.text);
  if (!cited) return `"${link.text}" is not a section citation`;
  const target = /^https:\/\/www\.rfc-editor\.org\/rfc\/rfc(\d{4})#section-(\d+(?:\.\d+)*)$/.exec(link.href);
  if (!target) return `${link.href} is not an rfc-editor.org section address`;
  const rfc = Number(target[1]);
  if (rfc !== link.meantRfc) return `"${link.text}" on ${link.page} links to RFC ${rfc}, not RFC ${link.meantRfc}`;
  if (cited[2] !== target[2]) return `"${link.text}" on ${link.page} links to section ${target[2]}`;
  if (!RFC_SECTIONS[rfc]?.has(target[2]!)) return `RFC ${rfc} has no section ${target[2]}`;
  return undefined;
}
