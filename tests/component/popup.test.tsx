import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App, { type PopupEnv } from '../../entrypoints/popup/App';
import type { Api } from '../../components/ui/api';
import type { TabMentions } from '../../components/popup/env';
import type { EntityKind } from '../../lib/model';
import { DEFAULT_SETTINGS, type Settings } from '../../lib/settings';
import { storeApi } from '../fixtures/api';

// ---- fakes for what is outside the popup: the tab, the settings, the manager -----------------------

const SITE = 'www.example.com';

function mentions(
  entities: { id: string; name: string; kind: EntityKind; count: number }[],
  overrides: Partial<TabMentions> = {},
): TabMentions {
  return {
    entities: entities.map((e) => ({ ...e, texts: [e.name] })),
    active: true,
    site: SITE,
    stats: { blocks: 1, chars: 100, matchedChars: 100, marks: 0, dropped: 0, batches: 1, rescans: 0, errors: 0 },
    ...overrides,
  };
}

function fakeSettings(initial: Settings = DEFAULT_SETTINGS) {
  let current = initial;
  return {
    get: vi.fn(async () => current),
    set: vi.fn(async (s: Settings) => {
      current = s;
    }),
  };
}

interface Setup {
  /** What the tab answers: a reply, null (no content script), or 'pending' (never answers). */
  page?: TabMentions | null | 'pending' | ((ids: Ids) => TabMentions);
  settings?: Settings;
  empty?: boolean;
  /** Wraps the real api (to fail or delay one call). */
  wrap?: (api: Api) => Api;
  show?: boolean;
  /** Changes the store before the popup opens. */
  before?: (store: Awaited<ReturnType<typeof storeApi>>['store'], ids: Ids) => Promise<unknown>;
}

type Ids = Awaited<ReturnType<typeof entityIds>>;

async function entityIds(store: Awaited<ReturnType<typeof storeApi>>['store']) {
  const id = async (alias: string) => (await store.findByAlias(alias))[0]?.id ?? '';
  return { albu: await id('Albukamal'), hashed: await id('PMF'), kh: await id('KH') };
}

async function setup(options: Setup = {}) {
  const { store, api: real } = await storeApi({ empty: options.empty });
  const ids = await entityIds(store);
  await options.before?.(store, ids);
  const api = options.wrap ? options.wrap(real) : real;
  const page = typeof options.page === 'function' ? options.page(ids) : options.page;
  let onRevision = () => {};
  const env: PopupEnv = {
    api,
    tab: {
      mentions: vi.fn(() => (page === 'pending' ? new Promise<never>(() => {}) : Promise.resolve(page ?? null))),
      show: vi.fn(async () => options.show ?? true),
    },
    settings: fakeSettings(options.settings),
    openManager: vi.fn(),
    syncStatus: () => Promise.resolve(null),
    watchRevision: (onChange) => {
      onRevision = onChange;
      return () => {};
    },
  };
  render(<App {...env} />);
  return { store, ids, env, revision: () => act(() => onRevision()) };
}

/** A page that mentions Albu Kamal three times and the Hashed once. */
const albuPage = (ids: Ids) =>
  mentions([
    { id: ids.albu, name: 'Albu Kamal', kind: 'place', count: 3 },
    { id: ids.hashed, name: 'Hashed al-Shaabi', kind: 'group', count: 1 },
  ]);

const section = (name: string) => screen.getByRole('region', { name });
const pageSection = () => section('On this page');
const notesSection = () => section('Notes');
const recentList = () => within(notesSection()).findByRole('list', { name: 'Recent notes' });
const search = (text: string) =>
  fireEvent.input(screen.getByRole('searchbox', { name: 'Search your store' }), { target: { value: text } });
const noteBox = () => within(screen.getByRole('form', { name: 'Add a note' })).getByRole('textbox', { name: 'Note' });

let close: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  close = vi.spyOn(window, 'close').mockImplementation(() => {});
});
afterEach(() => {
  close.mockRestore();
});

// ---- the shell ----------------------------------------------------------------------------------------

describe('popup shell', () => {
  it('renders every section at once and says what is still loading', async () => {
    const never = (api: Api): Api =>
      ((name, input) => (name === 'notes.recent' ? new Promise(() => {}) : api(name, input))) as Api;
    await setup({ page: 'pending', wrap: never });
    expect(screen.getByRole('heading', { level: 1, name: 'Backstory' })).toBeTruthy();
    expect(screen.getByRole('searchbox', { name: 'Search your store' })).toBeTruthy();
    expect(screen.getByRole('form', { name: 'Add a note' })).toBeTruthy();
    expect(within(pageSection()).getByRole('status').textContent).toBe('Looking at this page…');
    expect(within(notesSection()).getByText('Loading notes…')).toBeTruthy();
    // The settings are not read yet when the popup first renders: the switches wait for them.
    await waitFor(() =>
      expect(screen.getByRole('switch', { name: 'Pause Backstory everywhere' }).hasAttribute('disabled')).toBe(false),
    );
  });

  it('shows the store counts and that sync is not set up, with a way to set it up', async () => {
    const { env } = await setup({ page: null });
    expect(await screen.findByText('3 entities · 2 events · 1 note')).toBeTruthy();
    expect(screen.getByText(/Sync: not set up/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Set up' }));
    expect(env.openManager).toHaveBeenCalledWith('#sync');
    fireEvent.click(screen.getByRole('button', { name: 'Open manager' }));
    expect(env.openManager).toHaveBeenCalledWith('');
  });

  it('shows each empty state on an empty store and a page without known names', async () => {
    await setup({ empty: true, page: mentions([]) });
    expect(await within(pageSection()).findByText('No names you know on this page.')).toBeTruthy();
    expect(
      await within(notesSection()).findByText('No notes yet. Notes you write here show up in the cards.'),
    ).toBeTruthy();
    expect(await screen.findByText('0 entities · 0 events · 0 notes')).toBeTruthy();
    // An empty search box shows no results, not even a count.
    expect(within(screen.getByRole('search')).queryByRole('status')).toBeNull();
  });

  it('refreshes the notes and the counts when the store changes elsewhere', async () => {
    const { store, ids, revision } = await setup({ page: null });
    expect(await screen.findByText('3 entities · 2 events · 1 note')).toBeTruthy();
    await store.saveNote({ about: { type: 'entity', id: ids.kh }, text: 'Written in the manager.' });
    await revision();
    expect(await within(await recentList()).findByText('Written in the manager.')).toBeTruthy();
    expect(await screen.findByText('3 entities · 2 events · 2 notes')).toBeTruthy();
  });
});

// ---- on this page ----------------------------------------------------------------------------------------

describe('on this page', () => {
  it('says so when no content script answers', async () => {
    await setup({ page: null });
    expect(
      await within(pageSection()).findByText(
        'Backstory does not run on this page (browser pages and the extension store are off-limits).',
      ),
    ).toBeTruthy();
    expect(within(pageSection()).queryByRole('switch')).toBeNull();
  });

  it('lists the names with their mention counts; a click shows the name on the page and closes the popup', async () => {
    const { env, ids } = await setup({ page: albuPage });
    const list = await within(pageSection()).findByRole('list');
    const buttons = within(list).getAllByRole('button');
    expect(buttons.map((b) => b.textContent)).toEqual(['Albu Kamalplace3 mentions', 'Hashed al-Shaabigroup1 mention']);
    fireEvent.click(within(list).getByRole('button', { name: /Hashed al-Shaabi/ }));
    await waitFor(() => expect(close).toHaveBeenCalled());
    expect(env.tab.show).toHaveBeenCalledWith(ids.hashed);
  });

  it('shows the first three names, and all of them on request', async () => {
    const names = ['One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven'];
    await setup({ page: mentions(names.map((name, i) => ({ id: `e${i}`, name, kind: 'person', count: 9 - i }))) });
    const list = await within(pageSection()).findByRole('list');
    expect(within(list).getAllByRole('button')).toHaveLength(3);
    const more = within(pageSection()).getByRole('button', { name: 'Show all 7 names' });
    expect(more.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(more);
    expect(
      within(list)
        .getAllByRole('button')
        .map((b) => b.textContent!.replace(/person.*/, '')),
    ).toEqual(names);
    expect(more.getAttribute('aria-expanded')).toBe('true');
  });

  it('stays open and says so when the page cannot show the name', async () => {
    await setup({ page: albuPage, show: false });
    fireEvent.click(await within(pageSection()).findByRole('button', { name: /Albu Kamal/ }));
    expect((await within(pageSection()).findByRole('alert')).textContent).toMatch(/could not be shown on the page/);
    expect(close).not.toHaveBeenCalled();
  });

  it('switches the site off and on, saving the setting under its hostname', async () => {
    const { env } = await setup({ page: albuPage });
    const site = await within(pageSection()).findByRole('switch', { name: `Mark names on ${SITE}` });
    await waitFor(() => expect(site.getAttribute('aria-checked')).toBe('true'));
    fireEvent.click(site);
    await waitFor(() => expect(env.settings.set).toHaveBeenLastCalledWith({ paused: false, disabledSites: [SITE] }));
    expect(site.getAttribute('aria-checked')).toBe('false');
    expect(within(pageSection()).getByText(/Backstory is switched off on/).textContent).toBe(
      `Backstory is switched off on ${SITE}. Switch on`,
    );
    expect(within(pageSection()).queryByRole('list')).toBeNull();
    fireEvent.click(within(pageSection()).getByRole('button', { name: 'Switch on' }));
    await waitFor(() => expect(env.settings.set).toHaveBeenLastCalledWith({ paused: false, disabledSites: [] }));
    expect(site.getAttribute('aria-checked')).toBe('true');
    expect(within(pageSection()).getByRole('list')).toBeTruthy();
  });

  it('pauses everywhere from the header, and resumes', async () => {
    const { env } = await setup({ page: albuPage });
    const pause = screen.getByRole('switch', { name: 'Pause Backstory everywhere' });
    await waitFor(() => expect(pause.hasAttribute('disabled')).toBe(false));
    expect(pause.getAttribute('aria-checked')).toBe('false');
    fireEvent.click(pause);
    await waitFor(() => expect(env.settings.set).toHaveBeenLastCalledWith({ paused: true, disabledSites: [] }));
    expect(pause.getAttribute('aria-checked')).toBe('true');
    expect(within(pageSection()).getByText(/Backstory is paused/)).toBeTruthy();
    fireEvent.click(within(pageSection()).getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(env.settings.set).toHaveBeenLastCalledWith({ paused: false, disabledSites: [] }));
    expect(pause.getAttribute('aria-checked')).toBe('false');
  });

  it('says the site is switched off when the settings say so', async () => {
    await setup({
      page: (ids) => ({ ...albuPage(ids), active: false }),
      settings: { paused: false, disabledSites: [SITE] },
    });
    expect(await within(pageSection()).findByText(/Backstory is switched off on/)).toBeTruthy();
    expect(
      within(pageSection())
        .getByRole('switch', { name: `Mark names on ${SITE}` })
        .getAttribute('aria-checked'),
    ).toBe('false');
  });
});

// ---- search ------------------------------------------------------------------------------------------------

describe('search', () => {
  it('finds an entity by its alias and says which alias matched', async () => {
    const { env, ids } = await setup({ page: null });
    search('Albukamal');
    const entities = await screen.findByRole('list', { name: 'Entities' });
    const hit = within(entities).getByRole('button');
    expect(hit.textContent).toBe('Albu Kamal as “Albukamal”place');
    expect(within(screen.getByRole('search')).getByRole('status').textContent).toBe('1 match');
    // Not on this page: it opens in the manager.
    fireEvent.click(hit);
    await waitFor(() => expect(env.openManager).toHaveBeenCalledWith(`#entity=${ids.albu}`));
    expect(env.tab.show).not.toHaveBeenCalled();
  });

  it('shows an entity that is on the page there, and events in the manager', async () => {
    const { env, ids } = await setup({ page: albuPage });
    await within(pageSection()).findByRole('list');
    search('albu');
    const entities = await screen.findByRole('list', { name: 'Entities' });
    fireEvent.click(within(entities).getByRole('button', { name: /Albu Kamal/ }));
    await waitFor(() => expect(close).toHaveBeenCalled());
    expect(env.tab.show).toHaveBeenCalledWith(ids.albu);
    const events = screen.getByRole('list', { name: 'Events' });
    const strike = within(events).getByRole('button', { name: /Air strike near Albu Kamal/ });
    expect(strike.textContent).toContain('11 Mar 2020');
    fireEvent.click(strike);
    expect(env.openManager).toHaveBeenCalledWith(expect.stringMatching(/^#event=.+/));
    expect(within(screen.getByRole('search')).getByRole('status').textContent).toBe('3 matches');
  });

  it('moves through the results with the arrow keys', async () => {
    await setup({ page: null });
    const box = screen.getByRole('searchbox', { name: 'Search your store' });
    search('albu');
    await screen.findByRole('list', { name: 'Events' });
    const results = within(screen.getByRole('search')).getAllByRole('button');
    expect(results).toHaveLength(3);
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(results[0]);
    fireEvent.keyDown(results[0]!, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(results[1]);
    fireEvent.keyDown(results[1]!, { key: 'ArrowUp' });
    fireEvent.keyDown(results[0]!, { key: 'ArrowUp' });
    expect(document.activeElement).toBe(box);
  });

  it('says when nothing matches, and shows nothing for an empty query', async () => {
    await setup({ page: null });
    search('zzyzx');
    expect((await within(screen.getByRole('search')).findByRole('status')).textContent).toBe(
      'Nothing matches “zzyzx”.',
    );
    search('');
    await waitFor(() => expect(within(screen.getByRole('search')).queryByRole('status')).toBeNull());
  });

  it('ignores a reply that arrives after a newer query was answered', async () => {
    let release = () => {};
    const slowFirst = (api: Api): Api => {
      let first = true;
      return ((name, input) => {
        if (name !== 'search' || !first) return api(name, input);
        first = false;
        return new Promise((resolve) => {
          release = () => void api(name, input).then(resolve);
        });
      }) as Api;
    };
    await setup({ page: null, wrap: slowFirst });
    search('Hashed');
    search('Albukamal');
    const entities = await screen.findByRole('list', { name: 'Entities' });
    expect(within(entities).getByRole('button').textContent).toMatch(/^Albu Kamal/);
    release();
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByText('Hashed al-Shaabi')).toBeNull();
    expect(within(screen.getByRole('list', { name: 'Entities' })).getAllByRole('button')).toHaveLength(1);
  });

  it('opens a note found by search for editing in the notes section', async () => {
    await setup({ page: null });
    search('SOHR');
    const notes = await screen.findByRole('list', { name: 'Notes' });
    const hit = within(notes).getByRole('button');
    expect(hit.textContent).toBe('Check SOHR figures.on Albu Kamal');
    fireEvent.click(hit);
    const editor = await within(notesSection()).findByRole('textbox', { name: 'Edit note' });
    expect((editor as HTMLTextAreaElement).value).toBe('Check SOHR figures.');
    await waitFor(() => expect(document.activeElement).toBe(editor));
  });
});

// ---- notes ---------------------------------------------------------------------------------------------------

describe('notes', () => {
  it('lists recent notes, newest first, with what they are about and when', async () => {
    const { env, ids } = await setup({
      page: null,
      before: (store, ids) => store.saveNote({ about: { type: 'entity', id: ids.kh }, text: 'مكتوب للتو' }),
    });
    const list = await recentList();
    const [fresh, old] = within(list).getAllByRole('listitem') as [HTMLElement, HTMLElement];
    expect(within(fresh).getByText('مكتوب للتو').getAttribute('dir')).toBe('auto');
    expect(within(fresh).getByText('just now').getAttribute('title')).toMatch(/^\d{1,2} \w{3} \d{4}, \d{2}:\d{2}$/);
    expect(await within(fresh).findByRole('button', { name: 'Kataeb Hezbollah' })).toBeTruthy();
    expect(within(old).getByText('Check SOHR figures.')).toBeTruthy();
    expect(within(old).getByText('12 Mar 2020').tagName).toBe('TIME');
    fireEvent.click(await within(old).findByRole('button', { name: 'Albu Kamal' }));
    expect(env.openManager).toHaveBeenCalledWith(`#entity=${ids.albu}`);
  });

  it('says a note is about a deleted entity when its entity is gone', async () => {
    await setup({ page: null, before: (store, ids) => store.deleteEntity(ids.albu) });
    const list = await recentList();
    expect(await within(list).findByText('about a deleted entity')).toBeTruthy();
    expect(within(list).queryByRole('button', { name: 'Albu Kamal' })).toBeNull();
  });

  it('clamps a long note behind "Show more"', async () => {
    await setup({
      page: null,
      before: (store, ids) =>
        store.saveNote({ about: { type: 'entity', id: ids.kh }, text: 'line\n'.repeat(10) + 'end' }),
    });
    const list = await recentList();
    const more = await within(list).findByRole('button', { name: 'Show more' });
    expect(more.getAttribute('aria-expanded')).toBe('false');
    expect(list.querySelector(`#${more.getAttribute('aria-controls')}`)!.className).toContain('clamped');
    fireEvent.click(more);
    expect(within(list).getByRole('button', { name: 'Show less' }).getAttribute('aria-expanded')).toBe('true');
    expect(list.querySelector(`#${more.getAttribute('aria-controls')}`)!.className).not.toContain('clamped');
  });

  it('suggests the most mentioned name on the page as what a new note is about, and saves with Ctrl+Enter', async () => {
    const { store, ids } = await setup({ page: albuPage });
    const form = screen.getByRole('form', { name: 'Add a note' });
    const chip = await within(form).findByRole('group', { name: 'About' });
    expect(chip.textContent).toContain('Albu Kamal');
    fireEvent.input(noteBox(), { target: { value: 'Border crossing reopened.' } });
    fireEvent.keyDown(noteBox(), { key: 'Enter', ctrlKey: true });
    expect((await within(form).findByText('Note saved.')).getAttribute('role')).toBe('status');
    expect((noteBox() as HTMLTextAreaElement).value).toBe('');
    expect((await store.notesAbout(ids.albu)).map((n) => n.text)).toContain('Border crossing reopened.');
    expect(await within(await recentList()).findByText('Border crossing reopened.')).toBeTruthy();
  });

  it('adds a note about a record picked with the keyboard', async () => {
    const { store } = await setup({ page: albuPage });
    const form = screen.getByRole('form', { name: 'Add a note' });
    fireEvent.click(await within(form).findByRole('button', { name: 'Remove “Albu Kamal”' }));
    const picker = within(form).getByRole('combobox', { name: 'About' });
    await waitFor(() => expect(document.activeElement).toBe(picker));
    fireEvent.input(picker, { target: { value: 'Albu' } });
    await within(form).findAllByRole('option');
    fireEvent.keyDown(picker, { key: 'ArrowDown' });
    const chosen = within(form)
      .getAllByRole('option')
      .find((o) => o.getAttribute('aria-selected') === 'true')!;
    const title = chosen.querySelector('span')!.textContent!;
    fireEvent.keyDown(picker, { key: 'Enter' });
    expect(within(form).getByRole('group', { name: 'About' }).textContent).toContain(title);
    fireEvent.input(noteBox(), { target: { value: 'Picked from the list.' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await within(await recentList()).findByText('Picked from the list.')).toBeTruthy();
    const saved = (await store.listNotes()).find((n) => n.text === 'Picked from the list.')!;
    const target =
      (await store.listEvents()).find((e) => title.startsWith(e.title))?.id ?? (await store.findByAlias(title))[0]!.id;
    expect(saved.about.id).toBe(target);
    expect((await store.notesAbout(target)).map((n) => n.id)).toContain(saved.id);
  });

  it('asks what the note is about when nothing is chosen', async () => {
    const { store } = await setup({ page: mentions([]) });
    await within(pageSection()).findByText('No names you know on this page.');
    const form = screen.getByRole('form', { name: 'Add a note' });
    fireEvent.input(noteBox(), { target: { value: 'About nothing yet.' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await within(form).findByText('Choose what the note is about.')).toBeTruthy();
    const picker = within(form).getByRole('combobox', { name: 'About' });
    expect(picker.getAttribute('aria-describedby')).toBeTruthy();
    expect(document.getElementById(picker.getAttribute('aria-describedby')!)!.textContent).toBe(
      'Choose what the note is about.',
    );
    expect(await store.listNotes()).toHaveLength(1);
  });

  it("shows the store's message when the text is empty", async () => {
    const { store } = await setup({ page: albuPage });
    const form = screen.getByRole('form', { name: 'Add a note' });
    await within(form).findByRole('group', { name: 'About' });
    fireEvent.input(noteBox(), { target: { value: '   ' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await within(form).findByText('Expected a non-empty string.')).toBeTruthy();
    expect(noteBox().getAttribute('aria-invalid')).toBe('true');
    expect(await store.listNotes()).toHaveLength(1);
  });

  it('edits a note in place; Esc cancels an edit', async () => {
    const { store, ids } = await setup({ page: null });
    const list = await recentList();
    fireEvent.click(within(list).getByRole('button', { name: 'Edit' }));
    let editor = within(list).getByRole('textbox', { name: 'Edit note' });
    fireEvent.input(editor, { target: { value: 'Never mind.' } });
    fireEvent.keyDown(editor, { key: 'Escape' });
    expect(within(list).queryByRole('textbox', { name: 'Edit note' })).toBeNull();
    expect(within(list).getByText('Check SOHR figures.')).toBeTruthy();

    fireEvent.click(within(list).getByRole('button', { name: 'Edit' }));
    editor = within(list).getByRole('textbox', { name: 'Edit note' });
    fireEvent.input(editor, { target: { value: 'Check SOHR and Airwars figures.' } });
    fireEvent.click(within(list).getByRole('button', { name: 'Save' }));
    expect(await within(list).findByText('Check SOHR and Airwars figures.')).toBeTruthy();
    expect((await store.notesAbout(ids.albu)).map((n) => n.text)).toEqual(['Check SOHR and Airwars figures.']);
  });

  it("shows the store's message when an edit empties the note", async () => {
    await setup({ page: null });
    const list = await recentList();
    fireEvent.click(within(list).getByRole('button', { name: 'Edit' }));
    fireEvent.input(within(list).getByRole('textbox', { name: 'Edit note' }), { target: { value: '' } });
    fireEvent.click(within(list).getByRole('button', { name: 'Save' }));
    expect(await within(list).findByText('Expected a non-empty string.')).toBeTruthy();
  });

  it('deletes a note at once and brings it back with Undo', async () => {
    const { store, ids } = await setup({ page: null });
    const list = await recentList();
    fireEvent.click(within(list).getByRole('button', { name: 'Delete' }));
    expect(
      await within(notesSection()).findByText('No notes yet. Notes you write here show up in the cards.'),
    ).toBeTruthy();
    expect(await store.notesAbout(ids.albu)).toEqual([]);
    expect(screen.getByText('Note deleted.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    expect(await within(await recentList()).findByText('Check SOHR figures.')).toBeTruthy();
    expect((await store.notesAbout(ids.albu)).map((n) => n.text)).toEqual(['Check SOHR figures.']);
    await waitFor(() => expect(screen.queryByText('Note deleted.')).toBeNull());
  });

  it('shows the error when the notes cannot be read, and tries again', async () => {
    let fail = true;
    const failing = (api: Api): Api =>
      ((name, input) =>
        name === 'notes.recent' && fail
          ? Promise.resolve({ ok: false, error: { code: 'storage-failed', message: 'The notes could not be read.' } })
          : api(name, input)) as Api;
    await setup({ page: null, wrap: failing });
    const alert = await within(notesSection()).findByRole('alert');
    expect(alert.textContent).toContain('The notes could not be read.');
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await within(await recentList()).findByText('Check SOHR figures.')).toBeTruthy();
    expect(within(notesSection()).queryByRole('alert')).toBeNull();
  });
});
