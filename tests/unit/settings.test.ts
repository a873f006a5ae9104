import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, isActiveOn, settingsItem, withSite } from '../../lib/settings';

describe('settings', () => {
  it('marks everywhere by default', async () => {
    expect(await settingsItem.getValue()).toEqual(DEFAULT_SETTINGS);
    expect(isActiveOn(DEFAULT_SETTINGS, 'www.example.com')).toBe(true);
  });

  it('switches a site off and on again', () => {
    const off = withSite(DEFAULT_SETTINGS, 'WWW.Example.com', false);
    expect(off.disabledSites).toEqual(['www.example.com']);
    expect(isActiveOn(off, 'www.example.com')).toBe(false);
    expect(isActiveOn(off, 'news.example.org')).toBe(true);
    expect(isActiveOn(withSite(off, 'www.example.com', true), 'www.example.com')).toBe(true);
  });

  it('pauses everywhere', async () => {
    await settingsItem.setValue({ ...DEFAULT_SETTINGS, paused: true });
    const s = await settingsItem.getValue();
    expect(isActiveOn(s, 'www.example.com')).toBe(false);
  });
});
