import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import Capture from '../../components/capture/Capture';
import type { CaptureMode } from '../../lib/background/capture';
import type { PageCapture } from '../../lib/messages';
import { storeApi } from '../fixtures/api';
import { dump } from '../fixtures/store';

const PAGE: PageCapture = {
  selection: 'Albukamal',
  url: 'https://news.example/2020/03/strike',
  title: 'Strike on the border',
  published: '2020-03-12',
};

async function setup(mode: CaptureMode | null, capture: Partial<PageCapture> = {}) {
  const { api, store } = await storeApi();
  const close = vi.fn();
  render(<Capture api={api} mode={mode} capture={{ ...PAGE, ...capture }} close={close} />);
  return { api, store, close };
}

const type = (label: string, value: string) =>
  fireEvent.input(screen.getByRole('textbox', { name: label }), { target: { value } });

/** Types in a record picker and takes the first thing it offers. */
async function pick(label: string, text: string, offered: string) {
  const box = screen.getByRole('combobox', { name: label });
  fireEvent.input(box, { target: { value: text } });
  await screen.findByRole('option', { name: new RegExp(offered) });
  fireEvent.keyDown(box, { key: 'Enter' });
}

describe('capture window', () => {
  it('shows the quote and where it comes from, and lets the user choose what to make of it', async () => {
    await setup(null);
    expect(screen.getByText('Albukamal', { selector: 'blockquote' })).toBeTruthy();
    expect(screen.getByText(/From Strike on the border · published 2020-03-12/)).toBeTruthy();
    expect(screen.getByText('Choose what to make of the selection.')).toBeTruthy();
    fireEvent.click(screen.getByRole('radio', { name: 'New entity' }));
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('Albukamal');
  });

  it('closes with Esc', async () => {
    const { close } = await setup('entity');
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(close).toHaveBeenCalled();
  });

  it('adds a new entity with the page as its first link', async () => {
    const { store } = await setup('entity', { selection: 'Deir ez-Zor' });
    fireEvent.change(screen.getByLabelText('Kind'), { target: { value: 'place' } });
    type('Other spellings', 'Deir al-Zour, Dayr az Zawr');
    fireEvent.click(screen.getByRole('button', { name: 'Add entity' }));
    expect((await screen.findByRole('status')).textContent).toMatch(/Added “Deir ez-Zor”/);
    const [saved] = await store.findByAlias('Dayr az Zawr');
    expect([saved?.name, saved?.kind, saved?.links[0]?.url]).toEqual(['Deir ez-Zor', 'place', PAGE.url]);
  });

  it('refuses an entity without a name, says why next to the field, and stores nothing', async () => {
    const { store } = await setup('entity', { selection: '' });
    const before = await dump(store);
    fireEvent.click(screen.getByRole('button', { name: 'Add entity' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Not saved: /);
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    expect(await dump(store)).toEqual(before);
  });

  it('adds the selection as an alias of the entity the user picks', async () => {
    const { store } = await setup('alias', { selection: 'Abou Kamal' });
    fireEvent.click(screen.getByRole('button', { name: 'Add alias' }));
    expect(await screen.findByText('Choose the entity this is another name of.')).toBeTruthy();
    await pick('Of the entity', 'Albu', 'Albu Kamal');
    fireEvent.click(screen.getByRole('button', { name: 'Add alias' }));
    expect((await screen.findByRole('status')).textContent).toMatch(/“Abou Kamal” is now an alias of “Albu Kamal”/);
    expect((await store.findByAlias('Abou Kamal')).map((e) => e.name)).toEqual(['Albu Kamal']);
  });

  it('starts a note about the entity the selection names, and keeps the quote and the page', async () => {
    const { store } = await setup('note');
    expect(await screen.findByText('Albu Kamal')).toBeTruthy(); // chosen from the exact alias
    fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Not saved: /); // no text
    type('Note', 'Figures differ from SOHR.');
    fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
    expect((await screen.findByRole('status')).textContent).toMatch(/^Note added to “Albu Kamal”\./);
    const [town] = await store.findByAlias('Albukamal');
    const mine = (await store.notesAbout(town!.id)).find((n) => n.text === 'Figures differ from SOHR.');
    expect(mine?.page).toEqual({ url: PAGE.url, title: PAGE.title, quote: 'Albukamal' });
  });

  it('asks what a note is about when the selection names nothing known', async () => {
    await setup('note', { selection: 'a convoy of trucks' });
    type('Note', 'Seen at dawn.');
    fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
    expect(await screen.findByText('Choose what the note is about.')).toBeTruthy();
    expect(screen.getByRole('combobox', { name: 'About' }).getAttribute('aria-invalid')).toBe('true');
  });

  it('does not keep a page that is not on the web (file:, browser pages) with a note', async () => {
    const { store } = await setup('note', { url: 'file:///home/me/report.html' });
    await screen.findByText('Albu Kamal');
    type('Note', 'From a saved report.');
    fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
    await screen.findByRole('status');
    const [town] = await store.findByAlias('Albukamal');
    expect((await store.notesAbout(town!.id)).find((n) => n.text === 'From a saved report.')?.page).toBeNull();
  });

  it('adds an event dated by the page, with the page as its source', async () => {
    const { store } = await setup('event', { selection: 'Strike near the border crossing' });
    expect((screen.getByLabelText('Date') as HTMLInputElement).value).toBe('2020-03-12');
    await pick('Place', 'Albu', 'Albu Kamal');
    fireEvent.click(screen.getByRole('button', { name: 'Add event' }));
    expect((await screen.findByRole('status')).textContent).toMatch(/Event “Strike near the border crossing” added/);
    const [town] = await store.findByAlias('Albukamal');
    const ev = (await store.eventsOf(town!.id)).find((e) => e.title === 'Strike near the border crossing');
    expect([ev?.date, ev?.place, ev?.sources[0]?.url]).toEqual(['2020-03-12', town!.id, PAGE.url]);
  });

  it('refuses an event with a date that is not one, next to the date, and stores nothing', async () => {
    const { store } = await setup('event', { published: null });
    const before = await dump(store);
    type('Date', '12/03/2020');
    fireEvent.click(screen.getByRole('button', { name: 'Add event' }));
    await waitFor(() => expect(screen.getByLabelText('Date').getAttribute('aria-invalid')).toBe('true'));
    expect(
      screen.getByText(/expected a date as YYYY, YYYY-MM or YYYY-MM-DD/, { selector: '.field-error' }),
    ).toBeTruthy();
    expect(await dump(store)).toEqual(before);
  });
});
