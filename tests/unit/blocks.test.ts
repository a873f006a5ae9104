import { describe, expect, it } from 'vitest';
import { collectBlocks, locate } from '../../lib/content/blocks';

function blocksOf(html: string) {
  document.body.innerHTML = html;
  return collectBlocks(document.body).map((b) => b.text);
}

describe('text blocks', () => {
  it('joins text split by inline markup', () => {
    expect(blocksOf('<p>near Albu <b>Kamal</b> on the <a href="#">Euphrates</a> River</p>')).toEqual([
      'near Albu Kamal on the Euphrates River',
    ]);
  });

  it('separates blocks, line breaks and list items', () => {
    expect(blocksOf('<div><p>Albu</p><p>Kamal</p></div><ul><li>Taji</li><li>Baghdad</li></ul>x<br>y')).toEqual([
      'Albu',
      'Kamal',
      'Taji',
      'Baghdad',
      'x',
      'y',
    ]);
    expect(blocksOf('<div>Albu <section>mid</section> Kamal</div>')).toEqual(['Albu ', 'mid', ' Kamal']);
  });

  it('skips scripts, styles, code, form fields, code editors and the extension’s own UI', () => {
    expect(
      blocksOf(`<p>kept</p><script>var IS = 1</script><style>.IS{}</style><pre>IS code</pre><code>IS</code>
        <textarea>IS draft</textarea><input value="IS"><select><option>IS</option></select>
        <div contenteditable="true" spellcheck="false">IS code editor</div><div contenteditable="false">kept too</div>
        <div spellcheck="false"><div contenteditable>IS code editor</div></div>
        <backstory-card>IS card</backstory-card><noscript>IS</noscript>`),
    ).toEqual(['kept', 'kept too']);
  });

  it('reads editable areas that keep spell-checking on (marks never touch what the user types)', () => {
    expect(
      blocksOf(`<div contenteditable="true"><p>Albu Kamal typed</p></div><div contenteditable="plaintext-only">Taji</div>
        <div spellcheck="false"><div contenteditable spellcheck="true">spelled</div></div>`),
    ).toEqual(['Albu Kamal typed', 'Taji', 'spelled']);
  });

  it('reports open shadow roots instead of entering them', () => {
    document.body.innerHTML = '<p>outside</p><div id="host"></div>';
    const host = document.getElementById('host')!;
    const shadow = host.attachShadow({ mode: 'open' });
    shadow.innerHTML = '<p>inside the shadow</p>';
    const found: ShadowRoot[] = [];
    const texts = collectBlocks(document.body, { onShadowRoot: (r) => found.push(r) }).map((b) => b.text);
    expect(texts).toEqual(['outside']);
    expect(found).toEqual([shadow]);
    expect(collectBlocks(shadow).map((b) => b.text)).toEqual(['inside the shadow']);
  });

  it('maps block offsets back to text nodes', () => {
    document.body.innerHTML = '<p>near Albu <b>Kamal</b>!</p>';
    const [block] = collectBlocks(document.body);
    const start = locate(block!, 5, false);
    const end = locate(block!, 15, true);
    expect([start.node.data, start.offset]).toEqual(['near Albu ', 5]);
    expect([end.node.data, end.offset]).toEqual(['Kamal', 5]);
    // A position at a node boundary starts in the next node and ends in the previous one.
    expect(locate(block!, 10, false).node.data).toBe('Kamal');
    expect(locate(block!, 10, true).node.data).toBe('near Albu ');
  });
});
