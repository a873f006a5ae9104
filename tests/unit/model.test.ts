import { describe, expect, it } from 'vitest';
import { comparePartialDates, isCaseSensitive, isSafeUrl } from '../../lib/model';

describe('case rules', () => {
  it.each(['IS', 'US', 'PMF', 'KH', 'ISIL'])('"%s" (auto) is case-sensitive', (text) => {
    expect(isCaseSensitive({ text, case: 'auto' })).toBe(true);
  });
  it.each(['Taji', 'Daesh', 'CENTCOMMAND', 'is'])('"%s" (auto) is case-insensitive', (text) => {
    expect(isCaseSensitive({ text, case: 'auto' })).toBe(false);
  });
  it('an explicit rule overrides auto', () => {
    expect(isCaseSensitive({ text: 'IS', case: 'insensitive' })).toBe(false);
    expect(isCaseSensitive({ text: 'Hashed', case: 'sensitive' })).toBe(true);
  });
});

describe('partial dates', () => {
  it('sort a year before its months and a month before its days', () => {
    const dates = ['2020-03-11', '2017', '2019-12-27', '2017-11', '2014-06'];
    expect([...dates].sort(comparePartialDates)).toEqual(['2014-06', '2017', '2017-11', '2019-12-27', '2020-03-11']);
  });
});

describe('links', () => {
  it.each(['https://en.wikipedia.org/wiki/Abu_Kamal', 'http://example.org/a?b#c'])('%s is safe', (u) => {
    expect(isSafeUrl(u)).toBe(true);
  });
  it.each(['javascript:alert(1)', 'data:text/html,<b>x</b>', 'vbscript:x', 'file:///etc/passwd', 'not a url'])(
    '%s is refused',
    (u) => {
      expect(isSafeUrl(u)).toBe(false);
    },
  );
});
