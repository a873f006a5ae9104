// @vitest-environment node
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ensureStarterPack, STARTER_PACK, STARTER_PACK_ID } from '../../lib/background/starter';
import { isSafeUrl } from '../../lib/model';
import { importPack, removePack } from '../../lib/store/packs';
import { foldKey } from '../../lib/text';
import { clone } from '../fixtures/packs';
import { freshStore } from '../fixtures/store';
import { sharedFixture } from '../fixtures/shared';

const article = readFileSync(sharedFixture('seed-article.html'), 'utf8')
  .replace(/<[^>]+>/g, ' ')
  .replace(/&#x27;/g, "'")
  .replace(/&quot;/g, '"');

/** Spellings in the seed article and the entity each must resolve to (by canonical name). */
const SEED_MENTIONS: [string, string][] = [
  ['Albukamal', 'Albu Kamal'],
  ['Albu Kamal', 'Albu Kamal'],
  ['Taji', 'Camp Taji'],
  ['Taji air base', 'Camp Taji'],
  ['Baghdad', 'Baghdad'],
  ['Baghdad airport', 'Baghdad International Airport'],
  ['Euphrates River', 'Euphrates'],
  ['US-led coalition', 'Combined Joint Task Force – Operation Inherent Resolve'],
  ['Kataeb Hezbollah', 'Kataeb Hezbollah'],
  ['Kataib Hezbollah', 'Kataeb Hezbollah'],
  ['Hashed al-Shaabi', 'Hashed al-Shaabi'],
  ['Hashed', 'Hashed al-Shaabi'],
  ['Popular Mobilisation Forces', 'Hashed al-Shaabi'],
  ['PMF', 'Hashed al-Shaabi'],
  ['Islamic State', 'Islamic State'],
  ['IS', 'Islamic State'],
  ['Central Command', 'US Central Command'],
  ['UN mission in Iraq', 'UN Assistance Mission for Iraq'],
  ['Syrian Observatory for Human Rights', 'Syrian Observatory for Human Rights'],
  ['Royal Army Medical Corps', 'Royal Army Medical Corps'],
  ['Kenneth McKenzie', 'Kenneth F. McKenzie Jr.'],
  ['McKenzie', 'Kenneth F. McKenzie Jr.'],
  ['Barham Saleh', 'Barham Saleh'],
  ['Mohammed al-Halbussi', 'Mohamed al-Halbousi'],
  ['Qasem Soleimani', 'Qasem Soleimani'],
  ['Soleimani', 'Qasem Soleimani'],
  ['Abu Mahdi al-Muhandis', 'Abu Mahdi al-Muhandis'],
  ['Muhandis', 'Abu Mahdi al-Muhandis'],
  ['Bashar al-Assad', 'Bashar al-Assad'],
];

/** Names the issue requires beyond the article's own spellings. */
const REQUIRED_ALIASES: [string, string][] = [
  ['Abu Kamal', 'Albu Kamal'],
  ['Al-Bukamal', 'Albu Kamal'],
  ['Boukamal', 'Albu Kamal'],
  ['البوكمال', 'Albu Kamal'],
  ['Hashd', 'Hashed al-Shaabi'],
  ['al-Hashd al-Shaabi', 'Hashed al-Shaabi'],
  ['Popular Mobilization Forces', 'Hashed al-Shaabi'],
  ['PMU', 'Hashed al-Shaabi'],
  ["Kata'ib Hizballah", 'Kataeb Hezbollah'],
  ['KH', 'Kataeb Hezbollah'],
  ['Hezbollah', 'Hezbollah'],
  ['ISIS', 'Islamic State'],
  ['ISIL', 'Islamic State'],
  ['Daesh', 'Islamic State'],
  ['CENTCOM', 'US Central Command'],
  ['UNAMI', 'UN Assistance Mission for Iraq'],
  ['SOHR', 'Syrian Observatory for Human Rights'],
  ['Gen. McKenzie', 'Kenneth F. McKenzie Jr.'],
  ['Frank McKenzie', 'Kenneth F. McKenzie Jr.'],
  ['Halbousi', 'Mohamed al-Halbousi'],
  ['Qassem Soleimani', 'Qasem Soleimani'],
  ['Suleimani', 'Qasem Soleimani'],
  ['Assad', 'Bashar al-Assad'],
  ['Ain al-Asad', 'Ain al-Asad air base'],
  ['K-1', 'K-1 Air Base'],
  ['Kirkuk', 'Kirkuk'],
];

describe('the starter pack', () => {
  it.each(SEED_MENTIONS)('covers "%s" from the seed article', async (spelling, name) => {
    expect(foldKey(article)).toContain(foldKey(spelling));
    const { store } = await freshStore();
    await importPack(store, STARTER_PACK);
    expect((await store.findByAlias(spelling)).map((e) => e.name)).toEqual([name]);
  });

  it.each(REQUIRED_ALIASES)('knows "%s"', async (spelling, name) => {
    const { store } = await freshStore();
    await importPack(store, STARTER_PACK);
    expect((await store.findByAlias(spelling)).map((e) => e.name)).toEqual([name]);
  });

  it('has the required timeline, with linked entities, dates and sources', async () => {
    const { store } = await freshStore();
    await importPack(store, STARTER_PACK);
    const events = await store.listEvents();
    const dates = events.map((e) => e.date);
    for (const d of [
      '2014',
      '2014-06',
      '2017-11',
      '2019-12-27',
      '2019-12-29',
      '2020-01-03',
      '2020-01-05',
      '2020-01-08',
      '2020-03-08',
      '2020-03-11',
    ])
      expect(
        dates.some((x) => x.startsWith(d)),
        `an event on ${d}`,
      ).toBe(true);
    for (const e of events) {
      expect(e.entities.length, e.title).toBeGreaterThan(0);
      expect(e.sources.length, e.title).toBeGreaterThan(0);
      expect(e.sources.every((s) => isSafeUrl(s.url))).toBe(true);
    }
    const [town] = await store.findByAlias('Albu Kamal');
    const card = await store.card(town!.id);
    expect(card?.events.map((x) => x.event.date)).toContain('2020-03-11');
    expect(card?.related.map((r) => r.name)).toEqual(expect.arrayContaining(['Hashed al-Shaabi']));
    const [kh] = await store.findByAlias('Kataeb Hezbollah');
    expect((await store.card(kh!.id))?.related).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Hashed al-Shaabi', label: expect.stringMatching(/part of/i) }),
      ]),
    );
  });

  it('gives every entity a summary and a public https source link', async () => {
    const { store } = await freshStore();
    await importPack(store, STARTER_PACK);
    for (const e of await store.listEntities()) {
      expect(e.summary.length, e.name).toBeGreaterThan(40);
      expect(
        e.links.some((l) => l.url.startsWith('https://')),
        e.name,
      ).toBe(true);
    }
  });
});

describe('first run', () => {
  it('installs the starter pack once, and not again after the user removed it', async () => {
    const { store } = await freshStore();
    expect(await ensureStarterPack(store)).toMatchObject({ pack: { id: STARTER_PACK_ID } });
    expect(await ensureStarterPack(store)).toBeNull();
    expect((await store.stats()).packs.map((p) => p.id)).toEqual([STARTER_PACK_ID]);
    await removePack(store, STARTER_PACK_ID);
    expect(await ensureStarterPack(store)).toBeNull();
    expect(await store.listEntities()).toEqual([]);
  });

  it('updates an installed starter pack when a newer build bundles a new version', async () => {
    const { store } = await freshStore();
    const old = clone(STARTER_PACK) as { pack: { version: string } };
    old.pack.version = '0.9.0';
    await importPack(store, old);
    await store.setMeta('starterPack', { version: '0.9.0' });
    expect(await ensureStarterPack(store)).toMatchObject({ added: 0 });
    expect((await store.listPacks())[0]?.version).toBe((STARTER_PACK as { pack: { version: string } }).pack.version);
  });
});
