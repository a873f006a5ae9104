import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import EventsPanel from '../../components/manager/EventsPanel';
import type { Route } from '../../components/manager/types';
import type { Api } from '../../components/ui/api';
import type { UndoOffer } from '../../components/ui/Undo';
import { storeApi } from '../fixtures/api';

async function setup(options: { focus?: 'strike'; api?: (api: Api) => Api } = {}) {
  const { store, api } = await storeApi();
  const offers: UndoOffer[] = [];
  const navigate = vi.fn<(route: Route) => void>();
  const events = await store.listEvents();
  const strike = events.find((e) => e.title === 'Air strike near Albu Kamal')!;
  render(
    <EventsPanel
      api={options.api ? options.api(api) : api}
      revision={0}
      offerUndo={(o) => offers.push(o)}
      focusId={options.focus ? strike.id : null}
      navigate={navigate}
    />,
  );
  return { store, api, offers, navigate, strike };
}

const entityId = async (store: Awaited<ReturnType<typeof storeApi>>['store'], name: string) =>
  (await store.listEntities()).find((e) => e.name === name)!.id;

/** Types into a record picker and picks the option whose text starts with `name`. */
async function pick(label: string, query: string, name: string) {
  fireEvent.input(screen.getByRole('combobox', { name: label }), { target: { value: query } });
  const option = await screen.findByRole('option', { name: new RegExp(`^${name}`) });
  fireEvent.mouseDown(option);
}

/** The error message an input is described by. */
const describedError = (input: HTMLElement) =>
  (input.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id))
    .find((el) => el?.classList.contains('field-error'))?.textContent;

describe('events panel', () => {
  it('says it is loading, then lists the events oldest first with dates and places', async () => {
    await setup();
    expect(screen.getByRole('status').textContent).toMatch(/Loading events/);
    const list = await screen.findByRole('list', { name: 'Events' });
    const items = within(list).getAllByRole('button');
    expect(items.map((b) => b.querySelector('.record-title')!.textContent)).toEqual([
      'Hashed capture Albu Kamal',
      'Air strike near Albu Kamal',
    ]);
    // Partial dates are shown as written, through Intl: a month date has no day.
    const capture = items[0]!.querySelector('time')!;
    expect(capture.getAttribute('dateTime')).toBe('2017-11');
    expect(capture.textContent).toMatch(/2017/);
    expect(capture.textContent).not.toMatch(/\b1\b/);
    expect(items[1]!.textContent).toContain('Albu Kamal');
    expect(screen.getByText('2 events')).toBeTruthy();
  });

  it('filters the list and reverses it with "Newest first"', async () => {
    await setup();
    await screen.findByRole('list', { name: 'Events' });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Newest first' }));
    let titles = screen.getAllByRole('listitem').map((li) => li.querySelector('.record-title')!.textContent);
    expect(titles).toEqual(['Air strike near Albu Kamal', 'Hashed capture Albu Kamal']);
    fireEvent.input(screen.getByRole('searchbox', { name: 'Filter events' }), { target: { value: 'strike' } });
    titles = screen.getAllByRole('listitem').map((li) => li.querySelector('.record-title')!.textContent);
    expect(titles).toEqual(['Air strike near Albu Kamal']);
    expect(screen.getByText('1 of 2 events')).toBeTruthy();
    fireEvent.input(screen.getByRole('searchbox', { name: 'Filter events' }), { target: { value: 'nothing like it' } });
    expect(screen.getByText('No event matches “nothing like it”.')).toBeTruthy();
  });

  it('shows the error when the events cannot be loaded', async () => {
    await setup({
      api: (api) => (name, input) =>
        name === 'events.list'
          ? Promise.resolve({ ok: false, error: { code: 'storage-failed', message: 'The store could not be read.' } })
          : api(name, input),
    });
    expect((await screen.findByRole('alert')).textContent).toBe('The store could not be read.');
  });

  it('says so when there are no events', async () => {
    const { api } = await storeApi({ empty: true });
    render(<EventsPanel api={api} revision={0} offerUndo={() => {}} focusId={null} navigate={() => {}} />);
    expect(await screen.findByText(/No events yet/)).toBeTruthy();
  });

  it('shows a bad date next to the date field, with a focused alert, and stores nothing', async () => {
    const { store } = await setup();
    await screen.findByRole('list', { name: 'Events' });
    fireEvent.click(screen.getByRole('button', { name: 'New event' }));
    expect(document.activeElement).toBe(screen.getByLabelText('Title'));
    expect(screen.getAllByText('2020, 2020-03 or 2020-03-11')).toHaveLength(2);
    fireEvent.input(screen.getByLabelText('Title'), { target: { value: 'Drone strike' } });
    fireEvent.input(screen.getByLabelText('Date'), { target: { value: '11/03/2020' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add event' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/^Not saved: Date: expected a date as YYYY, YYYY-MM or YYYY-MM-DD/);
    await waitFor(() => expect(document.activeElement).toBe(alert));
    const date = screen.getByLabelText('Date');
    expect(date.getAttribute('aria-invalid')).toBe('true');
    expect(describedError(date)).toBe('expected a date as YYYY, YYYY-MM or YYYY-MM-DD');
    expect(await store.listEvents()).toHaveLength(2);

    // An end before the start: the error is next to the end date.
    fireEvent.input(date, { target: { value: '2020-03-11' } });
    fireEvent.input(screen.getByLabelText('End date (optional)'), { target: { value: '2019' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add event' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/End date: the end date is before/));
    expect(describedError(screen.getByLabelText('End date (optional)'))).toBe('the end date is before the start date');
    expect(screen.getByLabelText('Date').getAttribute('aria-invalid')).toBeNull();
    expect(await store.listEvents()).toHaveLength(2);
  });

  it('requires a title', async () => {
    const { store } = await setup();
    await screen.findByRole('list', { name: 'Events' });
    fireEvent.click(screen.getByRole('button', { name: 'New event' }));
    fireEvent.input(screen.getByLabelText('Date'), { target: { value: '2020' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add event' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Not saved: Title: expected a non-empty string/);
    expect(describedError(screen.getByLabelText('Title'))).toBe('expected a non-empty string');
    expect(await store.listEvents()).toHaveLength(2);
  });

  it('creates an event with a place, a linked entity with its role, and a source', async () => {
    const { store } = await setup();
    await screen.findByRole('list', { name: 'Events' });
    fireEvent.click(screen.getByRole('button', { name: 'New event' }));
    fireEvent.input(screen.getByLabelText('Title'), { target: { value: 'Drone strike on a convoy' } });
    fireEvent.input(screen.getByLabelText('Date'), { target: { value: '2020-01' } });
    await pick('Place', 'Albu', 'Albu Kamal');
    const remove = screen.getByRole('button', { name: 'Remove place Albu Kamal' });
    expect(remove.closest('.chip')!.textContent).toContain('Albu Kamal');
    await pick('Add an entity', 'Kataeb', 'Kataeb Hezbollah');
    const role = screen.getByLabelText('Role of Kataeb Hezbollah');
    await waitFor(() => expect(document.activeElement).toBe(role));
    fireEvent.input(role, { target: { value: 'target' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add source' }));
    fireEvent.input(screen.getByLabelText('Source 1 URL'), { target: { value: 'https://example.org/convoy' } });
    fireEvent.input(screen.getByLabelText('Source 1 title'), { target: { value: 'Report' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add event' }));

    expect(await screen.findByText('Event “Drone strike on a convoy” added.')).toBeTruthy();
    const kh = await entityId(store, 'Kataeb Hezbollah');
    const place = await entityId(store, 'Albu Kamal');
    const [saved] = await store.eventsOf(kh);
    expect(saved).toMatchObject({
      title: 'Drone strike on a convoy',
      date: '2020-01',
      endDate: null,
      place,
      entities: [{ entity: kh, role: 'target' }],
      sources: [{ url: 'https://example.org/convoy', title: 'Report' }],
    });
    // The editor now edits the saved event, and the list has it.
    expect(await screen.findByRole('heading', { name: 'Edit “Drone strike on a convoy”' })).toBeTruthy();
    expect(within(screen.getByRole('list', { name: 'Events' })).getByText('Drone strike on a convoy')).toBeTruthy();
  });

  it('shows an invalid source URL next to it', async () => {
    const { store } = await setup();
    await screen.findByRole('list', { name: 'Events' });
    fireEvent.click(screen.getByRole('button', { name: 'New event' }));
    fireEvent.input(screen.getByLabelText('Title'), { target: { value: 'Raid' } });
    fireEvent.input(screen.getByLabelText('Date'), { target: { value: '2021' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add source' }));
    fireEvent.input(screen.getByLabelText('Source 1 URL'), { target: { value: 'javascript:alert(1)' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add event' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Not saved: Source 1 URL: /);
    expect(describedError(screen.getByLabelText('Source 1 URL'))).toBeTruthy();
    expect(await store.listEvents()).toHaveLength(2);
  });

  it('edits an existing event, and removes its place and a linked entity', async () => {
    const { store, strike } = await setup({ focus: 'strike' });
    expect(await screen.findByRole('heading', { name: 'Edit “Air strike near Albu Kamal”' })).toBeTruthy();
    expect((screen.getByLabelText('Date') as HTMLInputElement).value).toBe('2020-03-11');
    expect((screen.getByLabelText('Role of Hashed al-Shaabi') as HTMLInputElement).value).toBe('target');
    fireEvent.click(screen.getByRole('button', { name: 'Remove place Albu Kamal' }));
    expect(screen.getByRole('combobox', { name: 'Place' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Remove Hashed al-Shaabi' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Event “Air strike near Albu Kamal” saved.')).toBeTruthy();
    expect(await store.getEvent(strike.id)).toMatchObject({ place: null, entities: [] });
  });

  it('shows the notes count and opens the notes about the event', async () => {
    const { api, strike, navigate } = await storeApi().then(async ({ store, api }) => {
      const strike = (await store.listEvents()).find((e) => e.title.startsWith('Air strike'))!;
      await api('note.save', { note: { about: { type: 'event', id: strike.id }, text: 'Casualty figures differ.' } });
      const navigate = vi.fn<(route: Route) => void>();
      return { api, strike, navigate };
    });
    render(<EventsPanel api={api} revision={0} offerUndo={() => {}} focusId={strike.id} navigate={navigate} />);
    expect(await screen.findByText('1 note about this event.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Show its notes' }));
    expect(navigate).toHaveBeenCalledWith({ panel: 'notes', id: strike.id });
  });

  it('deletes an event and brings it back with undo', async () => {
    const { store, offers, strike } = await setup();
    fireEvent.click(await screen.findByRole('button', { name: /Air strike near Albu Kamal/ }));
    fireEvent.click(await screen.findByRole('button', { name: 'Delete event' }));
    await waitFor(() => expect(screen.queryByRole('button', { name: /Air strike near Albu Kamal/ })).toBeNull());
    expect(await store.getEvent(strike.id)).toBeUndefined();
    expect(offers).toHaveLength(1);
    expect(offers[0]!.message).toBe('Event “Air strike near Albu Kamal” deleted.');
    expect(await offers[0]!.undo()).toBeNull();
    expect(await store.getEvent(strike.id)).toBeTruthy();
    expect(await screen.findByRole('button', { name: /Air strike near Albu Kamal/ })).toBeTruthy();
  });

  it('asks before Esc discards unsaved changes', async () => {
    await setup({ focus: 'strike' });
    const title = await screen.findByLabelText('Title');
    fireEvent.keyDown(title, { key: 'Escape' });
    // Nothing changed: Esc closes at once.
    expect(screen.queryByRole('heading', { name: /Edit/ })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: /Air strike near Albu Kamal/ }));
    fireEvent.input(await screen.findByLabelText('Title'), { target: { value: 'Changed' } });
    fireEvent.keyDown(screen.getByLabelText('Title'), { key: 'Escape' });
    const keep = screen.getByRole('button', { name: 'Keep editing' });
    expect(document.activeElement).toBe(keep);
    fireEvent.click(keep);
    expect((screen.getByLabelText('Title') as HTMLInputElement).value).toBe('Changed');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.click(screen.getByRole('button', { name: 'Discard changes' }));
    expect(screen.queryByRole('heading', { name: /Edit/ })).toBeNull();
    expect(screen.getByText('Choose an event to see and edit it.')).toBeTruthy();
  });
});
