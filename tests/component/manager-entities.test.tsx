import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { useState } from 'preact/hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import EntitiesPanel from '../../components/manager/EntitiesPanel';
import type { Route } from '../../components/manager/types';
import type { Api } from '../../components/ui/api';
import { UndoBar, useUndo } from '../../components/ui/Undo';
import type { PackDocument } from '../../lib/pack/schema';
import type { KnowledgeStore } from '../../lib/store/store';
import { importPack } from '../../lib/store/packs';
import { storeApi } from '../fixtures/api';

interface SetupOptions {
  /** The record in the address, or how to find it in the store. */
  focusId?: string | ((store: KnowledgeStore) => Promise<string>);
  empty?: boolean;
  /** Runs on the store before the panel is shown. */
  prepare?: (store: KnowledgeStore) => Promise<unknown>;
  /** Wraps the real api (to make one call fail). */
  wrap?: (api: Api) => Api;
}

/**
 * The panel as the manager shows it: over the real router and store, with the revision bumped after
 * every write (as the background's change notices do) and the shell's undo bar.
 */
async function setup(options: SetupOptions = {}) {
  let bump = () => {};
  const { store, api } = await storeApi({ empty: options.empty, hooks: { onWrite: () => bump() } });
  await options.prepare?.(store);
  const focusId = typeof options.focusId === 'function' ? await options.focusId(store) : (options.focusId ?? null);
  const navigate = vi.fn<(route: Route) => void>();
  const panelApi = options.wrap ? options.wrap(api) : api;
  function Harness() {
    const [revision, setRevision] = useState(0);
    bump = () => setRevision((r) => r + 1);
    const { offer, offerUndo, dismiss } = useUndo();
    return (
      <>
        <EntitiesPanel api={panelApi} revision={revision} offerUndo={offerUndo} focusId={focusId} navigate={navigate} />
        <UndoBar offer={offer} dismiss={dismiss} />
      </>
    );
  }
  render(<Harness />);
  return { store, api, navigate };
}

const idOf = async (store: KnowledgeStore, name: string) => (await store.findByAlias(name))[0]!.id;
const listbox = () => screen.findByRole('listbox', { name: 'Entities' });
/** The rows of the entity list (not the options of the selects). */
const rows = () =>
  within(document.querySelector<HTMLElement>('[role="listbox"][aria-label="Entities"]')!).queryAllByRole('option', {
    hidden: true,
  });
const optionNames = () => rows().map((o) => o.getAttribute('aria-label')!.split(',')[0]);
const type = (el: HTMLElement, value: string) => fireEvent.input(el, { target: { value } });
/** Picks a value in one of the list's filter selects. */
const choose = (label: string, value: string) =>
  fireEvent.change(within(document.querySelector<HTMLElement>('.entity-filters')!).getByLabelText(label), {
    target: { value },
  });
const form = () => screen.getByRole('form');

async function openEntity(name: string) {
  await listbox();
  fireEvent.click(screen.getByRole('option', { name: new RegExp(`^${name},`) }));
  return screen.findByRole('heading', { level: 3, name });
}

/**
 * An accessible name with a quoted user text in it. Names in quotes are isolated (`dir="auto"` spans);
 * happy-dom has no layout, so the name computation puts spaces around every element inside a name.
 */
const quoted = (name: string) => {
  const escaped = name.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/“(.*?)”/g, '“\\s?$1\\s?”')}$`);
};

/** The error message tied to a control through aria-describedby. */
const describedBy = (el: HTMLElement) =>
  (el.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('entities panel: list', () => {
  it('says it is loading, then lists the sample entities sorted by name', async () => {
    await setup();
    expect(screen.getByText('Loading entities…')).toBeTruthy();
    await listbox();
    expect(optionNames()).toEqual(['Albu Kamal', 'Hashed al-Shaabi', 'Kataeb Hezbollah']);
    expect(screen.getByText('3 of 3 entities')).toBeTruthy();
    const albu = screen.getByRole('option', { name: /^Albu Kamal,/ });
    expect(albu.getAttribute('aria-label')).toBe('Albu Kamal, Place, also Albukamal, Abu Kamal, البوكمال, Test pack');
    expect(albu.querySelector('[dir="auto"]')!.textContent).toBe('Albu Kamal');
  });

  it('shows the error in plain words when the entities cannot be loaded, and tries again', async () => {
    let fail = true;
    await setup({
      wrap: (api) =>
        ((name, input) =>
          name === 'entities.list' && fail
            ? Promise.resolve({
                ok: false,
                error: { code: 'storage-failed', message: 'The store could not be opened.' },
              })
            : api(name, input)) as Api,
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The entities could not be loaded: The store could not be opened.');
    expect(screen.queryByRole('listbox')).toBeNull();
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    await listbox();
    expect(optionNames()).toHaveLength(3);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says so when the store has no entities', async () => {
    const { navigate } = await setup({ empty: true });
    expect(await screen.findByText(/No entities yet/)).toBeTruthy();
    expect(screen.getByText('0 of 0 entities')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'install a pack' }));
    expect(navigate).toHaveBeenCalledWith({ panel: 'packs' });
  });

  it('filters by name, alias or tag as you type', async () => {
    await setup();
    await listbox();
    const search = screen.getByRole('searchbox', { name: 'Search' });
    type(search, 'PMF');
    expect(optionNames()).toEqual(['Hashed al-Shaabi']);
    expect(screen.getByText('1 of 3 entities')).toBeTruthy();
    type(search, 'albukamal'); // folded: case does not matter
    expect(optionNames()).toEqual(['Albu Kamal']);
    type(search, 'syria'); // a tag
    expect(optionNames()).toEqual(['Albu Kamal']);
    type(search, 'nothing like this');
    expect(optionNames()).toEqual([]);
    expect(screen.getByText(/No entities match/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Clear the filters' }));
    expect(optionNames()).toHaveLength(3);
  });

  it('filters by kind, tag and pack', async () => {
    await setup({ prepare: (store) => store.saveEntity({ name: 'Deir ez-Zor', kind: 'place', tags: ['syria'] }) });
    await listbox();
    choose('Kind', 'group');
    expect(optionNames()).toEqual(['Hashed al-Shaabi', 'Kataeb Hezbollah']);
    choose('Kind', 'place');
    expect(optionNames()).toEqual(['Albu Kamal', 'Deir ez-Zor']);
    choose('Kind', '');
    choose('Tag', 'syria');
    expect(optionNames()).toEqual(['Albu Kamal', 'Deir ez-Zor']);
    choose('Tag', '');
    const pack = screen.getByRole('combobox', { name: 'Pack' }) as HTMLSelectElement;
    expect([...pack.options].map((o) => o.text)).toEqual(['Any pack', 'My own', 'Test pack']);
    choose('Pack', ':own');
    expect(optionNames()).toEqual(['Deir ez-Zor']);
    choose('Pack', 'test-pack');
    expect(optionNames()).toEqual(['Albu Kamal', 'Hashed al-Shaabi', 'Kataeb Hezbollah']);
    expect(screen.getByText('3 of 4 entities')).toBeTruthy();
  });

  it('sorts by kind and by recent updates', async () => {
    await setup({ prepare: (store) => store.saveEntity({ name: 'Aleppo', kind: 'place' }) });
    await listbox();
    choose('Sort by', 'kind');
    expect(optionNames()).toEqual(['Hashed al-Shaabi', 'Kataeb Hezbollah', 'Albu Kamal', 'Aleppo']);
    choose('Sort by', 'updated');
    expect(optionNames()[0]).toBe('Aleppo');
  });

  it('moves through the list with the keyboard and opens with Enter', async () => {
    await setup();
    const list = await listbox();
    const active = () => document.getElementById(list.getAttribute('aria-activedescendant') ?? '');
    act(() => list.focus());
    expect(active()?.getAttribute('aria-label')).toMatch(/^Albu Kamal,/);
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(active()?.getAttribute('aria-label')).toMatch(/^Hashed al-Shaabi,/);
    fireEvent.keyDown(list, { key: 'End' });
    expect(active()?.getAttribute('aria-label')).toMatch(/^Kataeb Hezbollah,/);
    fireEvent.keyDown(list, { key: 'Home' });
    fireEvent.keyDown(list, { key: 'Enter' });
    await screen.findByRole('heading', { level: 3, name: 'Albu Kamal' });
    expect(document.activeElement).toBe(screen.getByRole('textbox', { name: 'Name' }));
    expect(screen.getByRole('option', { name: /^Albu Kamal,/ }).getAttribute('aria-current')).toBe('true');
  });

  it('renders only the rows in view of 10,000 entities, and End reaches the last', async () => {
    const big: PackDocument = {
      format: 'backstory-pack',
      formatVersion: 1,
      pack: { id: 'big', title: 'Big pack', version: '1' },
      entities: Array.from({ length: 10_000 }, (_, i) => ({
        id: `p${i}`,
        name: `Person ${i}`,
        kind: 'person' as const,
        aliases: [`P${i}`],
      })),
    };
    await setup({ prepare: (store) => importPack(store, big) });
    const list = await listbox();
    expect(screen.getByText('10,003 of 10,003 entities')).toBeTruthy();
    expect(rows().length).toBeLessThan(100);
    act(() => list.focus());
    fireEvent.keyDown(list, { key: 'End' });
    const active = document.getElementById(list.getAttribute('aria-activedescendant')!)!;
    expect(active.getAttribute('aria-label')).toMatch(/^Person 9999,/);
    expect(active.getAttribute('aria-posinset')).toBe('10003');
    expect(active.getAttribute('aria-setsize')).toBe('10003');
    expect(rows().length).toBeLessThan(100);
    fireEvent.keyDown(list, { key: 'PageUp' });
    const up = document.getElementById(list.getAttribute('aria-activedescendant')!)!;
    expect(Number(up.getAttribute('aria-posinset'))).toBeLessThan(10003);
    // Search stays instant over the whole list.
    type(screen.getByRole('searchbox', { name: 'Search' }), 'person 1234');
    expect(optionNames()).toEqual(['Person 1234']);
  }, 60_000);

  it('exports the selected entities as a pack file', async () => {
    const blobs: Blob[] = [];
    const names: string[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => (blobs.push(b as Blob), 'blob:test'));
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      names.push(this.download);
    });
    await setup();
    const list = await listbox();
    const exportButton = screen.getByRole('button', { name: 'Export selected' }) as HTMLButtonElement;
    expect(exportButton.disabled).toBe(true);
    act(() => list.focus());
    fireEvent.keyDown(list, { key: ' ' });
    expect(screen.getByRole('option', { name: /^Albu Kamal,/ }).getAttribute('aria-selected')).toBe('true');
    fireEvent.click(screen.getByRole('option', { name: /^Kataeb Hezbollah,/ }), { ctrlKey: true });
    expect(screen.getByText('2 entities selected')).toBeTruthy();
    expect(screen.queryByRole('heading', { level: 3 })).toBeNull(); // Ctrl+click selects, does not open
    fireEvent.click(exportButton);
    await screen.findByText('Exported 2 entities.');
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^backstory-selection-\d{4}-\d{2}-\d{2}\.json$/);
    const doc = JSON.parse(await blobs[0]!.text()) as PackDocument;
    expect(doc.entities!.map((e) => e.name).sort()).toEqual(['Albu Kamal', 'Kataeb Hezbollah']);
    expect(doc.notes?.map((n) => n.text)).toEqual(['Check SOHR figures.']);
  });

  it('opens the entity named in the address', async () => {
    await setup({ focusId: (store) => idOf(store, 'KH') });
    await screen.findByRole('heading', { level: 3, name: 'Kataeb Hezbollah' });
    expect((screen.getByRole('textbox', { name: 'Name' }) as HTMLInputElement).value).toBe('Kataeb Hezbollah');
    const list = await listbox();
    await waitFor(() => {
      const active = document.getElementById(list.getAttribute('aria-activedescendant') ?? '');
      expect(active?.getAttribute('aria-label')).toMatch(/^Kataeb Hezbollah,/);
      expect(active?.getAttribute('aria-current')).toBe('true');
    });
  });

  it('says so when the entity in the address does not exist', async () => {
    await setup({ focusId: 'no-such-entity' });
    expect((await screen.findByRole('alert')).textContent).toMatch(/not found/);
    expect(screen.queryByRole('heading', { level: 3 })).toBeNull();
  });
});

describe('entities panel: editor', () => {
  it('shows field errors and a summary, and saves nothing, when the input is invalid', async () => {
    const { store } = await setup();
    await openEntity('Albu Kamal');
    const id = await idOf(store, 'Albu Kamal');
    const name = screen.getByRole('textbox', { name: 'Name' });
    type(name, '   ');
    type(screen.getByRole('textbox', { name: 'Link 1 address' }), 'javascript:alert(1)');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Not saved');
    await waitFor(() => expect(document.activeElement).toBe(alert));
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(describedBy(name)).toBe('This cannot be empty.');
    const url = screen.getByRole('textbox', { name: 'Link 1 address' });
    expect(url.getAttribute('aria-invalid')).toBe('true');
    expect(describedBy(url)).toMatch(/http:\/\/ or https:\/\//);
    const stored = (await store.getEntity(id))!;
    expect(stored.name).toBe('Albu Kamal');
    expect(stored.links[0]!.url).toBe('https://en.wikipedia.org/wiki/Abu_Kamal');
    // Fixing a field clears its error.
    type(name, 'Abu Kamal city');
    expect(name.getAttribute('aria-invalid')).toBeNull();
  });

  it('flags an empty alias on its own row', async () => {
    await setup();
    await openEntity('Hashed al-Shaabi');
    fireEvent.click(screen.getByRole('button', { name: 'Add alias' }));
    const added = screen.getByRole('textbox', { name: 'Alias 3' });
    expect(document.activeElement).toBe(added);
    fireEvent.submit(added.closest('form')!);
    await screen.findByText(/Not saved: fix 1 problem below/);
    expect(describedBy(added)).toBe('This cannot be empty.');
    expect(screen.getByRole('alert').textContent).toContain('Alias 3: This cannot be empty.');
  });

  it('saves an edited alias list (Ctrl+S) and the store finds the new alias', async () => {
    const { store } = await setup();
    await openEntity('Hashed al-Shaabi');
    fireEvent.click(screen.getByRole('button', { name: 'Remove alias 2 “PMF”' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add alias' }));
    const added = screen.getByRole('textbox', { name: 'Alias 2' });
    type(added, 'Popular Mobilization Forces');
    type(screen.getByRole('textbox', { name: 'Tags' }), 'iraq, militia');
    fireEvent.keyDown(added, { key: 's', ctrlKey: true });
    expect(await screen.findByText('Saved.')).toBeTruthy();
    const [found] = await store.findByAlias('popular mobilization forces');
    expect(found?.name).toBe('Hashed al-Shaabi');
    expect(found?.tags).toEqual(['iraq', 'militia']);
    expect(await store.findByAlias('PMF')).toEqual([]);
    // The list shows the new alias.
    expect(screen.getByRole('option', { name: /^Hashed al-Shaabi,/ }).getAttribute('aria-label')).toContain(
      'Popular Mobilization Forces',
    );
  });

  it('creates a new entity', async () => {
    const { store, navigate } = await setup();
    await listbox();
    fireEvent.click(screen.getByRole('button', { name: 'New entity' }));
    await screen.findByRole('heading', { level: 3, name: 'New entity' });
    const name = screen.getByRole('textbox', { name: 'Name' });
    expect(document.activeElement).toBe(name);
    type(name, 'Deir ez-Zor');
    fireEvent.change(within(form()).getByRole('combobox', { name: 'Kind' }), { target: { value: 'place' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Saved.')).toBeTruthy();
    const [saved] = await store.findByAlias('deir ez zor');
    expect(saved?.kind).toBe('place');
    expect(saved?.pack).toBeNull();
    await waitFor(() => expect(optionNames()).toContain('Deir ez-Zor'));
    expect(navigate).toHaveBeenLastCalledWith({ panel: 'entities', id: saved!.id });
    expect(screen.getByText('Your own entity.')).toBeTruthy();
  });

  it('asks before Esc discards unsaved changes', async () => {
    const { store } = await setup();
    await openEntity('Albu Kamal');
    const name = screen.getByRole('textbox', { name: 'Name' }) as HTMLInputElement;
    type(name, 'Changed');
    fireEvent.keyDown(name, { key: 'Escape' });
    const confirm = await screen.findByRole('alertdialog');
    expect(confirm.textContent).toContain('You have unsaved changes. Discard them?');
    expect(document.activeElement).toBe(within(confirm).getByRole('button', { name: 'Keep editing' }));
    fireEvent.click(within(confirm).getByRole('button', { name: 'Keep editing' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(name.value).toBe('Changed');
    fireEvent.keyDown(name, { key: 'Escape' });
    fireEvent.click(await screen.findByRole('button', { name: 'Discard changes' }));
    await waitFor(() => expect(screen.queryByRole('heading', { level: 3 })).toBeNull());
    expect(screen.getByText(/Choose an entity/)).toBeTruthy();
    expect((await store.getEntity(await idOf(store, 'Albu Kamal')))!.name).toBe('Albu Kamal');
    // Without changes, Esc closes at once.
    await openEntity('Hashed al-Shaabi');
    fireEvent.keyDown(screen.getByRole('textbox', { name: 'Name' }), { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('heading', { level: 3 })).toBeNull());
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });

  it('lists the events and notes about the entity', async () => {
    const { store, navigate } = await setup();
    await openEntity('Albu Kamal');
    const events = await screen.findByRole('region', { name: 'Events and notes' });
    const button = within(events).getByRole('button', { name: 'Air strike near Albu Kamal' });
    expect(within(events).getByText('1 note')).toBeTruthy();
    fireEvent.click(button);
    const [strike] = (await store.listEvents()).filter((e) => e.title === 'Air strike near Albu Kamal');
    expect(navigate).toHaveBeenCalledWith({ panel: 'events', id: strike!.id });
    fireEvent.click(within(events).getByRole('button', { name: 'Open notes' }));
    expect(navigate).toHaveBeenCalledWith({ panel: 'notes' });
  });

  it('deletes, and Undo brings the entity back', async () => {
    const { store } = await setup();
    await openEntity('Kataeb Hezbollah');
    const id = await idOf(store, 'KH');
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(await screen.findByText('Deleted “Kataeb Hezbollah”.')).toBeTruthy();
    await waitFor(() => expect(optionNames()).toEqual(['Albu Kamal', 'Hashed al-Shaabi']));
    expect(await store.getEntity(id)).toBeUndefined();
    expect(screen.queryByRole('heading', { level: 3 })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(optionNames()).toEqual(['Albu Kamal', 'Hashed al-Shaabi', 'Kataeb Hezbollah']));
    expect((await store.getEntity(id))?.name).toBe('Kataeb Hezbollah');
  });
});

describe('entities panel: alias preview', () => {
  it('marks the name and aliases in the sample text and follows new aliases', async () => {
    await setup();
    await openEntity('Albu Kamal');
    const sample = screen.getByRole('textbox', { name: 'Sample text' }) as HTMLTextAreaElement;
    expect(sample.value).toContain('Albu Kamal');
    const preview = sample.closest('section')!;
    const marks = () => [...preview.querySelectorAll('mark')].map((m) => m.textContent);
    type(sample, 'Fighting near Albukamal and Abu Kamal, not in Deir ez-Zor.');
    expect(marks()).toEqual(['Albukamal', 'Abu Kamal']);
    expect(within(preview).getByText('2 matches')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Add alias' }));
    type(screen.getByRole('textbox', { name: 'Alias 4' }), 'Deir ez-Zor');
    expect(marks()).toEqual(['Albukamal', 'Abu Kamal', 'Deir ez-Zor']);
    expect(within(preview).getByText('3 matches')).toBeTruthy();
    // The sample is shown as text, never as HTML.
    type(sample, '<b>Albukamal</b>');
    expect(preview.querySelector('b')).toBeNull();
    expect(marks()).toEqual(['Albukamal']);
  });

  it('follows the letter-case rule of each alias', async () => {
    await setup();
    await openEntity('Kataeb Hezbollah');
    const sample = screen.getByRole('textbox', { name: 'Sample text' });
    const preview = sample.closest('section')!;
    const marks = () => [...preview.querySelectorAll('mark')].map((m) => m.textContent);
    type(sample, 'KH fighters; the kh sound.');
    expect(marks()).toEqual(['KH']);
    expect(within(preview).getByText('1 match')).toBeTruthy();
    const rule = screen.getByRole('combobox', { name: 'Letter case of alias 1' }) as HTMLSelectElement;
    expect(rule.options[rule.selectedIndex]!.text).toBe('Auto (match case)');
    fireEvent.change(rule, { target: { value: 'insensitive' } });
    expect(marks()).toEqual(['KH', 'kh']);
    expect(within(preview).getByText('2 matches')).toBeTruthy();
  });
});

describe('entities panel: merge', () => {
  it('merges Kataeb Hezbollah into Hashed al-Shaabi: aliases, events and notes move', async () => {
    let rocketId = '';
    const { store } = await setup({
      prepare: async (s) => {
        const kh = await idOf(s, 'KH');
        rocketId = (await s.saveEvent({ title: 'Rocket attack', date: '2020-01', entities: [{ entity: kh }] })).id;
        await s.saveNote({ about: { type: 'entity', id: kh }, text: 'Designated in 2009.' });
      },
    });
    const hashedId = await idOf(store, 'PMF');
    const khId = await idOf(store, 'KH');
    await openEntity('Hashed al-Shaabi');
    const mergeButton = screen.getByRole('button', { name: 'Merge with…' });
    fireEvent.click(mergeButton);
    const dialog = await screen.findByRole('dialog', { name: quoted('Merge “Hashed al-Shaabi” with…') });
    const picker = within(dialog).getByRole('combobox', { name: 'Duplicate entity' });
    await waitFor(() => expect(document.activeElement).toBe(picker));
    expect((within(dialog).getByRole('button', { name: 'Merge' }) as HTMLButtonElement).disabled).toBe(true);
    type(picker, 'Kataeb');
    fireEvent.mouseDown(await within(dialog).findByRole('option', { name: /Kataeb Hezbollah/ }));
    // What will happen, in one sentence (names are isolated spans inside it).
    const effect = () =>
      within(dialog).queryByText((_, el) => el?.tagName === 'P' && /will be deleted/.test(el.textContent ?? ''));
    await waitFor(() =>
      expect(effect()?.textContent).toBe(
        '“Kataeb Hezbollah” will be deleted; its 2 aliases, 1 event and 1 note move to “Hashed al-Shaabi”.',
      ),
    );
    // Keeping the other one turns the sentence around.
    fireEvent.click(within(dialog).getByRole('radio', { name: quoted('Keep “Kataeb Hezbollah”') }));
    expect(effect()?.textContent).toBe(
      '“Hashed al-Shaabi” will be deleted; its 3 aliases and 2 events move to “Kataeb Hezbollah”.',
    );
    fireEvent.click(within(dialog).getByRole('radio', { name: quoted('Keep “Hashed al-Shaabi”') }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Merge' }));

    expect(await screen.findByText('Merged: 2 aliases, 1 event, 1 note moved.')).toBeTruthy();
    expect(screen.queryByRole('dialog')).toBeNull();
    await waitFor(() => expect(optionNames()).toEqual(['Albu Kamal', 'Hashed al-Shaabi']));
    expect(screen.getByRole('heading', { level: 3, name: 'Hashed al-Shaabi' })).toBeTruthy();
    expect(screen.getByRole('textbox', { name: 'Alias 4' })).toBeTruthy(); // the editor shows the merged aliases
    expect((await store.findByAlias('KH')).map((e) => e.id)).toEqual([hashedId]);
    expect((await store.findByAlias('Kataeb Hezbollah')).map((e) => e.id)).toEqual([hashedId]);
    expect(await store.getEntity(khId)).toBeUndefined();
    const rocket = (await store.getEvent(rocketId))!;
    expect(rocket.entities.map((l) => l.entity)).toEqual([hashedId]);
    expect((await store.notesAbout(hashedId)).map((n) => n.text)).toContain('Designated in 2009.');
  });

  it('closes with Esc and gives focus back to the button', async () => {
    const { store } = await setup();
    await openEntity('Hashed al-Shaabi');
    const mergeButton = screen.getByRole('button', { name: 'Merge with…' });
    mergeButton.focus();
    fireEvent.click(mergeButton);
    const dialog = await screen.findByRole('dialog');
    fireEvent.keyDown(within(dialog).getByRole('combobox', { name: 'Duplicate entity' }), { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.activeElement).toBe(mergeButton);
    // Esc closed the dialog only: the editor is still open, nothing was merged.
    expect(screen.getByRole('heading', { level: 3, name: 'Hashed al-Shaabi' })).toBeTruthy();
    expect(await store.findByAlias('KH')).toHaveLength(1);
    await act(() => Promise.resolve());
  });

  it('cannot merge while there are unsaved changes', async () => {
    await setup();
    await openEntity('Hashed al-Shaabi');
    type(screen.getByRole('textbox', { name: 'Summary' }), 'Changed.');
    const mergeButton = screen.getByRole('button', { name: 'Merge with…' }) as HTMLButtonElement;
    expect(mergeButton.disabled).toBe(true);
    expect(describedBy(mergeButton)).toMatch(/Save or discard your changes before merging/);
  });
});
