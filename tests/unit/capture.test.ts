import { describe, expect, it } from 'vitest';
import { captureUrl, readCaptureUrl } from '../../lib/background/capture';
import { isoDay, publishedDate, readCapture } from '../../lib/content/capture';
import { readFileSync } from 'node:fs';
import { sharedFixture } from '../fixtures/shared';

const page = (head: string, body = '') => {
  const doc = document.implementation.createHTMLDocument('t');
  doc.head.innerHTML = head;
  doc.body.innerHTML = body;
  return doc;
};

describe('the publication date a page declares', () => {
  it('reads Open Graph article meta, JSON-LD (also in @graph) and <time>', () => {
    expect(publishedDate(page('<meta property="article:published_time" content="2019-01-03T07:00:02.000Z">'))).toBe(
      '2019-01-03',
    );
    expect(
      publishedDate(
        page(
          '<script type="application/ld+json">{"@graph":[{"@type":"NewsArticle","datePublished":"2015-07-24T05:36:09+01:00"}]}</script>',
        ),
      ),
    ).toBe('2015-07-24');
    expect(publishedDate(page('', '<article><time datetime="2020-03-11">11 March</time></article>'))).toBe(
      '2020-03-11',
    );
  });

  it('ignores broken JSON-LD and dates that are not ISO', () => {
    expect(
      publishedDate(page('<script type="application/ld+json">{oops</script><meta name="date" content="04.05.2015">')),
    ).toBeNull();
    expect(isoDay('2020-13-01')).toBeNull();
    expect(isoDay('2020-02-29T10:00:00-05:00')).toBe('2020-02-29');
  });

  it.each([
    ['guardian-1.html', '2019-01-03'],
    ['bbc-1.html', '2015-07-24'],
    ['wikipedia-2.html', '2001-10-29'],
    ['lemonde-1.html', '2015-05-04'], // <time itemprop="datePublished" datetime=…>
    ['cnn.html', '2016-02-01'],
    ['rtl-1.html', null], // declares none
  ])('finds the date of the real page %s', (file, date) => {
    const html = readFileSync(sharedFixture('pages', file), 'utf8');
    // Without the stylesheets and frames (happy-dom would try to fetch them); dates live in meta, JSON-LD and <time>.
    const doc = new DOMParser().parseFromString(html.replace(/<(link|iframe)\b[^>]*>/gi, ''), 'text/html');
    expect(publishedDate(doc)).toBe(date);
  });
});

describe('capture window addresses', () => {
  it('carry the selection, page and date there and back', () => {
    const capture = {
      selection: 'Deir ez-Zor & co',
      url: 'https://news.example/a?b=1#c',
      title: 'A “title”',
      published: '2020-03-11',
    };
    const url = captureUrl('chrome-extension://x/capture.html', 'note', capture);
    expect(readCaptureUrl(new URL(url).search)).toEqual({ mode: 'note', capture });
    expect(readCaptureUrl('?mode=evil&text=x').mode).toBeNull();
  });

  it('reads the current selection, whitespace collapsed', () => {
    document.body.innerHTML = '<p id="p">The   town of\n Albu Kamal</p>';
    const range = document.createRange();
    range.selectNodeContents(document.getElementById('p')!);
    getSelection()!.removeAllRanges();
    getSelection()!.addRange(range);
    expect(readCapture(document).selection).toBe('The town of Albu Kamal');
  });
});
