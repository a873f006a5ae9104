import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import NotesPanel from '../../components/manager/NotesPanel';
import type { Route } from '../../components/manager/types';
import type { Api } from '../../components/ui/api';
import type { UndoOffer } from '../../components/ui/Undo';
import { importPack } from '../../lib/store/packs';
import { storeApi } from '../fixtures/api';
import { samplePack } from '../fixtures/packs';

type Store = Awaited<ReturnType<typeof storeApi>>['store'];

/** The sample pack's note, plus one about an event (taken from a page) and one about a deleted entity. */
async function seed(store: Store) {
  const entities = await store.listEntities();
  const idOf = (name: string) => entities.find((e) => e.name === name)!.id;
  const strike = (await store.listEvents()).find((e) => e.title.startsWith('Air strike'))!;
  await store.saveNote({
    about: { type: 'event', id: strike.id },
    text: 'Two sources disagree.\nSee the second report.',
    page: { url: 'https://example.org/report', title: 'The report', quote: '26 fighters were killed' },
  });
  const gone = await store.saveEntity({ name: 'Ghost group', kind: 'group' });
  await store.saveNote({ about: { type: 'entity', id: gone.id }, text: 'About something deleted.' });
  await store.deleteEntity(gone.id);
  return { strike, albu: idOf('Albu Kamal') };
}

async function setup(
  options: { focusId?: (ids: Awaited<ReturnType<typeof seed>>) => string; api?: (api: Api) => Api } = {},
) {
  const { store, api } = await storeApi();
  const ids = await seed(store);
  const offers: UndoOffer[] = [];
  const navigate = vi.fn<(route: Route) => void>();
  render(
    <NotesPanel
      api={options.api ? options.api(api) : api}
      revision={0}
      offerUndo={(o) => offers.push(o)}
      focusId={options.focusId ? options.focusId(ids) : null}
      navigate={navigate}
    />,
  );
  return { store, api, offers, navigate, ...ids };
}

const items = async () => within(await screen.findByRole('list', { name: 'Notes' })).getAllByRole('listitem');
const itemWith = async (text: string) => (await items()).find((li) => li.textContent!.includes(text))!;

describe('notes panel', () => {
  it('says it is loading, then lists every note newest first with what it is about', async () => {
    const { navigate, strike, albu } = await setup();
    expect(screen.getByRole('status').textContent).toMatch(/Loading notes/);
    const list = await items();
    expect(list).toHaveLength(3);
    // Newest first: the pack's note (written in 2020) comes last.
    expect(list[2]!.textContent).toContain('Check SOHR figures.');
    expect((await itemWith('About something deleted.')).textContent).toContain('About a deleted entity');

    const event = await itemWith('Two sources disagree.');
    const text = event.querySelector('.note-text')!;
    expect(text.textContent).toBe('Two sources disagree.\nSee the second report.');
    expect(text.getAttribute('dir')).toBe('auto');
    const link = within(event).getByRole('link', { name: 'The report' });
    expect(link.getAttribute('href')).toBe('https://example.org/report');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(event.querySelector('blockquote')!.textContent).toBe('26 fighters were killed');
    expect(event.querySelector('time')).toBeTruthy();
    fireEvent.click(within(event).getByRole('button', { name: 'Air strike near Albu Kamal' }));
    expect(navigate).toHaveBeenLastCalledWith({ panel: 'events', id: strike.id });

    fireEvent.click(within(list[2]!).getByRole('button', { name: 'Albu Kamal' }));
    expect(navigate).toHaveBeenLastCalledWith({ panel: 'entities', id: albu });
    expect(screen.getByText('3 notes')).toBeTruthy();
  });

  it('shows only the notes about one record when opened on it', async () => {
    const { navigate } = await setup({ focusId: ({ strike }) => strike.id });
    const list = await items();
    expect(list).toHaveLength(1);
    expect(screen.getByText('Notes about “Air strike near Albu Kamal” only.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Show all notes' }));
    expect(navigate).toHaveBeenCalledWith({ panel: 'notes' });
  });

  it('filters the notes by their text', async () => {
    await setup();
    await items();
    const filter = screen.getByRole('searchbox', { name: 'Filter notes' });
    fireEvent.input(filter, { target: { value: 'sohr' } });
    expect((await items()).map((li) => li.querySelector('.note-text')!.textContent)).toEqual(['Check SOHR figures.']);
    expect(screen.getByText('1 note')).toBeTruthy();
    fireEvent.input(filter, { target: { value: 'zzz' } });
    expect(screen.getByText('No note matches “zzz”.')).toBeTruthy();
  });

  it('edits a note in place; Esc cancels, an empty text is refused', async () => {
    const { store } = await setup();
    const item = await itemWith('Check SOHR figures.');
    fireEvent.click(within(item).getByRole('button', { name: 'Edit note about “Albu Kamal”' }));
    const box = within(item).getByRole('textbox', { name: 'Edit note about “Albu Kamal”' });
    await waitFor(() => expect(document.activeElement).toBe(box));
    fireEvent.input(box, { target: { value: 'Changed my mind' } });
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(within(item).queryByRole('textbox')).toBeNull();
    expect(item.querySelector('.note-text')!.textContent).toBe('Check SOHR figures.');

    fireEvent.click(within(item).getByRole('button', { name: 'Edit note about “Albu Kamal”' }));
    fireEvent.input(within(item).getByRole('textbox'), { target: { value: '   ' } });
    fireEvent.click(within(item).getByRole('button', { name: 'Save' }));
    expect(within(item).getByRole('alert').textContent).toMatch(/cannot be empty/);
    expect(within(item).getByRole('textbox').getAttribute('aria-invalid')).toBe('true');

    fireEvent.input(within(item).getByRole('textbox'), { target: { value: 'Check SOHR and Airwars figures.' } });
    fireEvent.click(within(item).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Check SOHR and Airwars figures.')).toBeTruthy();
    expect((await store.listNotes()).map((n) => n.text)).toContain('Check SOHR and Airwars figures.');
  });

  it('deletes a note and brings it back with undo', async () => {
    const { store, offers } = await setup();
    const item = await itemWith('Check SOHR figures.');
    fireEvent.click(within(item).getByRole('button', { name: 'Delete note about “Albu Kamal”' }));
    await waitFor(() => expect(screen.queryByText('Check SOHR figures.')).toBeNull());
    expect(await store.listNotes()).toHaveLength(2);
    expect(offers[0]!.message).toBe('Note deleted.');
    expect(await offers[0]!.undo()).toBeNull();
    expect(await screen.findByText('Check SOHR figures.')).toBeTruthy();
    expect(await store.listNotes()).toHaveLength(3);
  });

  it('adds a note, refusing one without a target or a text', async () => {
    const { store, albu } = await setup();
    await items();
    fireEvent.click(screen.getByRole('button', { name: 'New note' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Not saved: Choose the entity or event this note is about.');
    expect(screen.getByText('Write the note first.')).toBeTruthy();
    expect(screen.getByRole('combobox', { name: 'About' }).getAttribute('aria-describedby')).toBeTruthy();
    expect(screen.getByRole('textbox', { name: 'Note' }).getAttribute('aria-invalid')).toBe('true');

    fireEvent.input(screen.getByRole('combobox', { name: 'About' }), { target: { value: 'Albu' } });
    fireEvent.mouseDown(await screen.findByRole('option', { name: /^Albu Kamal/ }));
    expect(screen.getByRole('button', { name: 'Remove Albu Kamal' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('Not saved: Write the note first.'));
    expect(await store.listNotes()).toHaveLength(3);

    fireEvent.input(screen.getByRole('textbox', { name: 'Note' }), { target: { value: 'Market reopened.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
    expect(await screen.findByText('Note added.')).toBeTruthy();
    expect(await screen.findByText('Market reopened.')).toBeTruthy();
    expect((await store.notesAbout(albu)).map((n) => n.text)).toContain('Market reopened.');
  });

  it('renders 200 notes at a time', async () => {
    const { store, api } = await storeApi();
    const notes = Array.from({ length: 450 }, (_, i) => ({
      id: `n${i}`,
      about: { entity: 'hashed' },
      text: `Note number ${i}`,
      created: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
    }));
    await importPack(store, samplePack({ notes }));
    render(<NotesPanel api={api} revision={0} offerUndo={() => {}} focusId={null} navigate={() => {}} />);
    expect(await items()).toHaveLength(200);
    expect(screen.getByText('Showing 200 of 450 notes')).toBeTruthy();
    expect((await items())[0]!.textContent).toContain('Note number 449');
    fireEvent.click(screen.getByRole('button', { name: 'Show 200 more' }));
    expect(await items()).toHaveLength(400);
    fireEvent.click(screen.getByRole('button', { name: 'Show 50 more' }));
    expect(await items()).toHaveLength(450);
    expect(screen.queryByRole('button', { name: /more$/ })).toBeNull();
  });

  it('says so when there are no notes', async () => {
    const { api } = await storeApi({ empty: true });
    render(<NotesPanel api={api} revision={0} offerUndo={() => {}} focusId={null} navigate={() => {}} />);
    expect(await screen.findByText(/No notes yet/)).toBeTruthy();
  });

  it('shows the error when the notes cannot be loaded', async () => {
    await setup({
      api: (api) => (name, input) =>
        name === 'notes.list'
          ? Promise.resolve({ ok: false, error: { code: 'storage-failed', message: 'The store could not be read.' } })
          : api(name, input),
    });
    expect((await screen.findByRole('alert')).textContent).toBe('The store could not be read.');
  });
});
