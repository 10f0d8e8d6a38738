// A remark plugin that turns the docs' RFC section citations (RFC 6455, RFC 7692, RFC 8441) into
// links to that section on rfc-editor.org, which gives every section a `#section-x.y` anchor:
//
//   §5.5.1                 → https://www.rfc-editor.org/rfc/rfc6455#section-5.5.1   (RFC 6455 by default)
//   RFC 7692 §7.2.1        → https://www.rfc-editor.org/rfc/rfc7692#section-7.2.1
//   RFC 7692 §6, §7.2      → both in RFC 7692: a list or range keeps the RFC named at its start
//   §7.2.3.1               → RFC 7692: a bare section RFC 6455 does not have is the compression RFC's
//   draft-ietf-hybi-…      → https://datatracker.ietf.org/doc/html/draft-ietf-hybi-…
//
// Only plain text is rewritten: code blocks, inline code, headings (their text is the anchor
// and the table of contents), existing links and raw HTML are left alone. A section number the
// RFC does not have (RFC_SECTIONS below) stays plain text rather than becoming a dead anchor.
//
// RFC_SECTIONS was copied once from the tables of contents of the three RFCs (every numbered
// section, appendices excluded), so that the build and the site test can tell a real section
// from a typo without reading the RFC text.

const list = (numbers: string) => new Set(numbers.trim().split(/\s+/));

/** RFC number → its section numbers, e.g. `RFC_SECTIONS[6455].has('5.5.1')`. */
export const RFC_SECTIONS: Readonly<Record<number, ReadonlySet<string>>> = {
  // 88 sections
  6455: list(
    '1 1.1 1.2 1.3 1.4 1.5 1.6 1.7 1.8 1.9 2 2.1 3 4 4.1 4.2 4.2.1 4.2.2 4.3 4.4 5 5.1 5.2 5.3 5.4 ' +
    '5.5 5.5.1 5.5.2 5.5.3 5.6 5.7 5.8 6 6.1 6.2 7 7.1 7.1.1 7.1.2 7.1.3 7.1.4 7.1.5 7.1.6 7.1.7 7.2 ' +
    '7.2.1 7.2.2 7.2.3 7.3 7.4 7.4.1 7.4.2 8 8.1 9 9.1 9.2 10 10.1 10.2 10.3 10.4 10.5 10.6 10.7 ' +
    '10.8 11 11.1 11.1.1 11.1.2 11.2 11.3 11.3.1 11.3.2 11.3.3 11.3.4 11.3.5 11.4 11.5 11.6 11.7 ' +
    '11.8 11.9 12 13 14 14.1 14.2 ',
  ),
  // 37 sections
  7692: list(
    '1 2 3 4 5 5.1 5.2 6 6.1 6.2 7 7.1 7.1.1 7.1.1.1 7.1.1.2 7.1.2 7.1.2.1 7.1.2.2 7.1.3 7.2 7.2.1 ' +
    '7.2.2 7.2.3 7.2.3.1 7.2.3.2 7.2.3.3 7.2.3.4 7.2.3.5 7.2.3.6 7.3 8 9 9.1 9.2 10 10.1 10.2 ',
  ),
  // 13 sections
  8441: list(
    '1 2 3 4 5 5.1 6 7 8 9 9.1 9.2 10 ',
  ),
};

/** The rfc-editor.org address of a section: `rfcSectionUrl(7692, '7.2.1')`. */
export function rfcSectionUrl(rfc: number, section: string): string {
  return `https://www.rfc-editor.org/rfc/rfc${rfc}#section-${section}`;
}

/** The few mdast fields this plugin reads and writes. */
export interface MdNode {
  type: string;
  value?: string;
  url?: string;
  name?: string | null;
  children?: MdNode[];
}

export const DEFAULT_RFC = 6455;

/** Node types whose text is not prose to link: code, headings, links, raw HTML, MDX expressions. */
const SKIPPED_TYPES = new Set([
  'code', 'inlineCode', 'heading', 'link', 'linkReference', 'definition', 'html',
  'mdxFlowExpression', 'mdxTextExpression', 'mdxjsEsm', 'yaml', 'toml',
]);
/** JSX elements that are already links or code. */
const SKIPPED_ELEMENTS = new Set(['a', 'Link', 'code', 'pre', 'CodeBlock', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

/**
 * One citation or draft name: `RFC 7692 §7.2` (groups 1–2), `§5.2` (group 2), or a draft name
 * (group 3). Draft names have at least two parts after `draft-` (`draft-04` is a revision, not a name).
 */
const CITATION = /(?:\bRFC\s?(\d{4})\s?)?§\s?(\d+(?:\.\d+)*)|\b(draft-[a-z0-9]+(?:-[a-z0-9]+)+)\b/g;
/** What may stand between two citations of one list: `§6, §7.2`, `§7.1.1–§7.1.7`, `§5 and §7`. */
const LIST_SEPARATOR = /^\s*(?:,|–|-|\/|and|or|,\s*and|,\s*or)?\s*$/;

/** The RFC a bare `§x.y` means: RFC 6455, unless only RFC 7692 has that section (`§7.2.3.1`). */
export function bareSectionRfc(section: string): number {
  return !RFC_SECTIONS[DEFAULT_RFC]!.has(section) && RFC_SECTIONS[7692]!.has(section) ? 7692 : DEFAULT_RFC;
}

/** Splits one text into text and link nodes; returns undefined when there is nothing to link. */
export function linkCitations(text: string): MdNode[] | undefined {
  const out: MdNode[] = [];
  let last = 0; // end of the text already copied into `out`
  let previousEnd = 0; // end of the previous citation, linked or not
  let listRfc: number | undefined; // the RFC of the list the previous citation belongs to
  for (const match of text.matchAll(CITATION)) {
    const [whole, named, section, draft] = match;
    const start = match.index;
    let url: string | undefined;
    if (draft) {
      url = `https://datatracker.ietf.org/doc/html/${draft}`;
      listRfc = undefined;
    } else {
      const continues = listRfc !== undefined && LIST_SEPARATOR.test(text.slice(previousEnd, start));
      const rfc = named ? Number(named) : continues ? listRfc! : bareSectionRfc(section!);
      listRfc = rfc;
      if (RFC_SECTIONS[rfc]?.has(section!)) url = rfcSectionUrl(rfc, section!);
    }
    previousEnd = start + whole.length;
    if (url === undefined) continue; // an unknown RFC or section: left as it is written
    if (start > last) out.push({ type: 'text', value: text.slice(last, start) });
    out.push({ type: 'link', url, children: [{ type: 'text', value: whole }] });
    last = start + whole.length;
  }
  if (out.length === 0) return undefined;
  if (last < text.length) out.push({ type: 'text', value: text.slice(last) });
  return out;
}

/** Links the citations in every prose text node under `node`. */
export function linkCitationsIn(node: MdNode): void {
  if (!node.children) return;
  const children: MdNode[] = [];
  for (const child of node.children) {
    if (child.type === 'text' && child.value) {
      children.push(...(linkCitations(child.value) ?? [child]));
      continue;
    }
    const isJsx = child.type === 'mdxJsxFlowElement' || child.type === 'mdxJsxTextElement';
    if (!SKIPPED_TYPES.has(child.type) && !(isJsx && SKIPPED_ELEMENTS.has(child.name ?? ''))) linkCitationsIn(child);
    children.push(child);
  }
  node.children = children;
}

/** The remark plugin: `remarkPlugins: [rfcCitations]` in the docs options. */
export default function rfcCitations() {
  return (tree: MdNode) => linkCitationsIn(tree);
}
