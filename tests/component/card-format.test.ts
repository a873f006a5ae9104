import { describe, expect, it } from 'vitest';
import {
  formatDateRange,
  formatDay,
  formatMoment,
  formatPartialDate,
  formatRelativeTime,
  hostOf,
  isoTime,
  linkLabel,
  otherAliases,
  sameName,
} from '../../components/card/format';

describe('formatPartialDate', () => {
  it.each([
    ['2017', '2017'],
    ['2017-11', 'Nov 2017'],
    ['2020-03-11', '11 Mar 2020'],
    ['2020-01-03', '3 Jan 2020'],
    ['1999-12-31', '31 Dec 1999'],
  ])('%s -> %s', (date, text) => expect(formatPartialDate(date)).toBe(text));

  it('returns anything that is not a partial date as it is', () => {
    expect(formatPartialDate('soon')).toBe('soon');
    expect(formatPartialDate('2017-13')).toBe('2017-13');
  });
});

describe('formatDateRange', () => {
  it.each([
    ['2020-03-11', null, '11 Mar 2020'],
    ['2020-03-11', '2020-03-11', '11 Mar 2020'],
    ['2020-03-11', '2020-03-12', '11–12 Mar 2020'],
    ['2017-11-08', '2017-11-19', '8–19 Nov 2017'],
    ['2017-11-28', '2017-12-03', '28 Nov – 3 Dec 2017'],
    ['2019-12-28', '2020-01-03', '28 Dec 2019 – 3 Jan 2020'],
    ['2019-12', '2020-01', 'Dec 2019 – Jan 2020'],
    ['2017-11', '2017-12', 'Nov–Dec 2017'],
    ['2014', '2016', '2014–2016'],
    ['2017', '2018-03', '2017 – Mar 2018'],
    ['2017-11-08', '2017-12', '8 Nov 2017 – Dec 2017'],
  ])('%s .. %s -> %s', (start, end, text) => expect(formatDateRange(start, end)).toBe(text));

  it('writes out ends that do not parse', () => {
    expect(formatDateRange('2017', 'later')).toBe('2017 – later');
  });
});

describe('relative and absolute times', () => {
  const now = new Date(2024, 4, 20, 12, 0).getTime();
  const MIN = 60_000;

  it.each([
    [0, 'just now'],
    [59_000, 'just now'],
    [MIN, '1 minute ago'],
    [5 * MIN, '5 minutes ago'],
    [60 * MIN, '1 hour ago'],
    [23 * 60 * MIN, '23 hours ago'],
    [24 * 60 * MIN, 'yesterday'],
    [3 * 24 * 60 * MIN, '3 days ago'],
    [7 * 24 * 60 * MIN, '13 May 2024'],
    [-5 * MIN, 'just now'],
  ])('%i ms ago -> %s', (ago, text) => expect(formatRelativeTime(now - ago, now)).toBe(text));

  it('formats days and moments in local time', () => {
    const t = new Date(2020, 2, 11, 9, 5).getTime();
    expect(formatDay(t)).toBe('11 Mar 2020');
    expect(formatMoment(t)).toBe('11 Mar 2020, 09:05');
  });

  it('gives an ISO time only for valid times', () => {
    expect(isoTime(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(isoTime(Number.NaN)).toBeUndefined();
  });
});

describe('names and links', () => {
  it('compares names as a reader would', () => {
    expect(sameName('Albu Kamal', 'albu kamal')).toBe(true);
    expect(sameName('Albū Kamal', 'Albu-Kamal')).toBe(true);
    expect(sameName('أبو كمال', 'ابو كمال')).toBe(true);
    expect(sameName('Albukamal', 'Albu Kamal')).toBe(false);
  });

  it('lists other aliases without the name, the match and duplicates', () => {
    const aliases = ['Albukamal', 'Abu Kamal', 'abu kamal', 'Albu Kamal', 'البوكمال'].map((text) => ({ text }));
    expect(otherAliases('Albu Kamal', aliases, 'ALBUKAMAL')).toEqual(['Abu Kamal', 'البوكمال']);
  });

  it('labels links by title, else host', () => {
    expect(linkLabel({ url: 'https://www.example.org/a', title: ' ' })).toBe('example.org');
    expect(linkLabel({ url: 'https://example.org/a', title: 'Story' })).toBe('Story');
    expect(hostOf('not a url')).toBe('not a url');
  });
});
