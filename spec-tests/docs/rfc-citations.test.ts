// The remark plugin that links the docs' citations to the RFC (website/plugins/rfc-citations.ts):
// which texts become links, to which section of which RFC, and what it leaves alone.

import { describe, expect, it } from 'vitest';
import rfcCitations, { linkCitations, RFC_SECTIONS, type MdNode } from '../../website/plugins/rfc-citations.js';

const text = (value: string): MdNode => ({ type: 'text', value });
/** The links of a text, as `[link text, url]` pairs. */
const linksOf = (value: string) =>
  (linkCitations(value) ?? []).filter((n) => n.type === 'link').map((n) => [n.children![0]!.value, n.url]);
const rfc = (n: number, section: string) => `https://www.rfc-editor.org/rfc/rfc${n}#section-${section}`;

describe('which citations become links', () => {
  it('[wsref] a bare §x.y is RFC 6455; "RFC 7692 §x" and "RFC 8441 §x" link into those RFCs, the RFC name included in the link', () => {
    expect(linksOf('the close frame (§5.5.1) and §7.4.1')).toEqual([['§5.5.1', rfc(6455, '5.5.1')], ['§7.4.1', rfc(6455, '7.4.1')]]);
    expect(linksOf('see RFC 7692 §7.2.1 for the parameters')).toEqual([['RFC 7692 §7.2.1', rfc(7692, '7.2.1')]]);
    expect(linksOf('over HTTP/2 (RFC 8441 §5)')).toEqual([['RFC 8441 §5', rfc(8441, '5')]]);
  });

  it('[wsref] a list or range keeps the RFC named at its start; other text or a semicolon goes back to RFC 6455', () => {
    expect(linksOf('RFC 7692 §6, §7.2; then §7.2 again')).toEqual([
      ['RFC 7692 §6', rfc(7692, '6')], ['§7.2', rfc(7692, '7.2')], ['§7.2', rfc(6455, '7.2')],
    ]);
    expect(linksOf('RFC 6455 §7.1.1–§7.1.7 and RFC 7692 §8 and §9')).toEqual([
      ['RFC 6455 §7.1.1', rfc(6455, '7.1.1')], ['§7.1.7', rfc(6455, '7.1.7')], ['RFC 7692 §8', rfc(7692, '8')], ['§9', rfc(7692, '9')],
    ]);
    expect(linksOf('RFC 7692 §5 says so, unlike §5.2')).toEqual([['RFC 7692 §5', rfc(7692, '5')], ['§5.2', rfc(6455, '5.2')]]);
  });

  it('[wsref] a bare section only RFC 7692 has (§7.2.3.1) is RFC 7692\'s', () => {
    expect(linksOf('the example of §7.2.3.1, then §7.2')).toEqual([['§7.2.3.1', rfc(7692, '7.2.3.1')], ['§7.2', rfc(6455, '7.2')]]);
  });

  it('[wsref] a section the RFC does not have stays plain text, and the text around links is kept as it was', () => {
    expect(linkCitations('RFC 6455 §7.2.3.1 and RFC 8441 §7.2 do not exist, nor does §15')).toBeUndefined();
    const nodes = linkCitations('a (§5.2) b')!;
    expect(nodes.map((n) => n.value ?? n.children![0]!.value).join('')).toBe('a (§5.2) b');
    expect(nodes[0]).toEqual(text('a ('));
  });

  it('[wsref] draft names link to datatracker; a bare revision such as draft-04 does not', () => {
    expect(linksOf('the perframe draft, draft-tyoshino-hybi-websocket-perframe-deflate, then draft-04 of it')).toEqual([
      ['draft-tyoshino-hybi-websocket-perframe-deflate', 'https://datatracker.ietf.org/doc/html/draft-tyoshino-hybi-websocket-perframe-deflate'],
    ]);
  });

  it('[wsref] the section lists hold the RFCs\' numbered sections: 6455 up to §14.2, 7692 with §7.2.3.6, 8441 up to §10', () => {
    expect(RFC_SECTIONS[6455]!.has('5.5.1') && RFC_SECTIONS[6455]!.has('14.2') && !RFC_SECTIONS[6455]!.has('5.9')).toBe(true);
    expect(RFC_SECTIONS[7692]!.has('7.2.3.6') && !RFC_SECTIONS[7692]!.has('7.2.4')).toBe(true);
    expect([...RFC_SECTIONS[8441]!]).toEqual(['1', '2', '3', '4', '5', '5.1', '6', '7', '8', '9', '9.1', '9.2', '10']);
  });
});

describe('where the plugin looks', () => {
  it('[wsref] links prose, including inside emphasis and table cells, but never code, inline code, headings, links or JSX links', () => {
    const tree: MdNode = {
      type: 'root',
      children: [
        { type: 'heading', children: [text('Closing (§7)')] },
        { type: 'paragraph', children: [text('See §7.1.'), { type: 'inlineCode', value: '§5.2' }, { type: 'strong', children: [text('RFC 7692 §8')] }] },
        { type: 'code', value: 'CONNECTING --> OPEN: (§4.1)' },
        { type: 'paragraph', children: [{ type: 'link', url: 'https://example.org/', children: [text('§5.3')] }] },
        { type: 'table', children: [{ type: 'tableRow', children: [{ type: 'tableCell', children: [text('§10.3')] }] }] },
        { type: 'mdxJsxFlowElement', name: 'a', children: [text('§5.4')] },
      ],
    };
    rfcCitations()(tree);
    const [heading, paragraph, code, linked, table, jsxLink] = tree.children!;
    expect(heading!.children).toEqual([text('Closing (§7)')]);
    expect(paragraph!.children!.map((n) => n.type)).toEqual(['text', 'link', 'text', 'inlineCode', 'strong']);
    expect(paragraph!.children![1]!.url).toBe(rfc(6455, '7.1'));
    expect(paragraph!.children![4]!.children![0]!.url).toBe(rfc(7692, '8'));
    expect(code).toEqual({ type: 'code', value: 'CONNECTING --> OPEN: (§4.1)' });
    expect(linked!.children![0]!.url).toBe('https://example.org/');
    expect(linked!.children![0]!.children).toEqual([text('§5.3')]);
    expect(table!.children![0]!.children![0]!.children![0]!.url).toBe(rfc(6455, '10.3'));
    expect(jsxLink!.children).toEqual([text('§5.4')]);
  });
});
