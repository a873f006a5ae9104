import { describe, expect, it } from 'vitest';
import { foldKey, foldText } from '../../lib/text';

describe('folding names for lookup', () => {
  it.each([
    ['Ālbū Kamāl', 'Albu Kamal'],
    ['Kata’ib Hizballah', "Kata'ib Hizballah"],
    ['Kataʼib', "Kata'ib"],
    ['Al-Bukamal', 'Al Bukamal'],
    ['Albu\u00a0Kamal', 'Albu Kamal'],
    ['Albu\n  Kamal', 'Albu Kamal'],
    ['al‑Hashd', 'al Hashd'], // non-breaking hyphen
  ])('%s folds like %s', (a, b) => {
    expect(foldKey(a)).toBe(foldKey(b));
  });

  it('folds Arabic letter variants, tashkeel and tatweel', () => {
    expect(foldKey('البُوكَمَال')).toBe(foldKey('البوكمال'));
    expect(foldKey('الحشـــد')).toBe(foldKey('الحشد'));
    expect(foldKey('أبو')).toBe(foldKey('ابو'));
    expect(foldKey('إيران')).toBe(foldKey('ايران'));
    expect(foldKey('حمزة')).toBe(foldKey('حمزه'));
  });

  it('keeps case in foldText so short capitalised aliases can compare case-sensitively', () => {
    expect(foldText('IS')).toBe('IS');
    expect(foldKey('IS')).toBe('is');
  });

  it('keeps different names apart', () => {
    expect(foldKey('Iran')).not.toBe(foldKey('Iraq'));
    expect(foldKey('Hezbollah')).not.toBe(foldKey('Kataeb Hezbollah'));
  });
});
