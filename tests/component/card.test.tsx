import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import Card, { type CardProps } from '../../components/card/Card';
import starter from '../../assets/starter-pack.json';
import type { Alias, EntityRecord, EventRecord, NoteRecord } from '../../lib/model';
import { isSafeUrl } from '../../lib/model';
import { err, ok, type Result } from '../../lib/result';
import type { CardData } from '../../lib/store/store';

// ---- fixtures: records shaped like the store's, built from the starter pack -------------------------

const NOW = new Date(2024, 4, 20, 12, 0).getTime();
const DAY = 24 * 60 * 60 * 1000;
const PACK = { id: starter.pack.id, title: starter.pack.title };

// Sync metadata is irrelevant to the card; one shared placeholder keeps the records well-typed.
const meta = (id: string, pack: string | null = PACK.id) => ({
  id,
  pack,
  packLocalId: pack ? id : null,
  stamps: {} as never,
  imported: null,
  deleted: null,
  createdAt: NOW - 30 * DAY,
  updatedAt: NOW - 30 * DAY,
});

type PackEntity = (typeof starter.entities)[number];
type PackEvent = (typeof starter.events)[number];

function entityFrom(e: PackEntity, overrides: Partial<EntityRecord> = {}): EntityRecord {
  return {
    ...meta(e.id),
    name: e.name,
    kind: e.kind as EntityRecord['kind'],
    aliases: e.aliases.map((a) => (typeof a === 'string' ? { text: a, case: 'auto' as const } : (a as Alias))),
    summary: e.summary,
    links: e.links,
    tags: e.tags,
    related: e.related,
    aliasKeys: [],
    ...overrides,
  };
}

function eventFrom(e: PackEvent, overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    ...meta(e.id),
    title: e.title,
    date: e.date,
    endDate: ('endDate' in e ? e.endDate : null) ?? null,
    place: ('place' in e ? e.place : null) ?? null,
    summary: e.summary,
    sources: e.sources,
    entities: e.entities,
    entityIds: [],
    ...overrides,
  };
}

const packEntity = (id: string) => starter.entities.find((e) => e.id === id)!;
const packEvent = (id: string) => starter.events.find((e) => e.id === id)!;

function note(id: string, text: string, overrides: Partial<NoteRecord> = {}): NoteRecord {
  return {
    ...meta(id, null),
    about: { type: 'entity', id: 'albu-kamal' },
    text,
    page: null,
    aboutId: 'albu-kamal',
    ...overrides,
  };
}

/** What KnowledgeStore.card() returns for an entity of the starter pack. */
function cardData(entityId = 'albu-kamal', overrides: Partial<CardData> = {}): CardData {
  const entity = entityFrom(packEntity(entityId));
  const events = starter.events
    .filter((e) => ('place' in e && e.place === entityId) || e.entities.some((l) => l.entity === entityId))
    .map((e) => ({
      event: eventFrom(e),
      role:
        e.entities.find((l) => l.entity === entityId)?.role ?? ('place' in e && e.place === entityId ? 'place' : ''),
    }))
    .sort((a, b) => (a.event.date < b.event.date ? -1 : a.event.date > b.event.date ? 1 : 0));
  const related = entity.related.map((r) => {
    const other = packEntity(r.entity);
    return { id: other.id, name: other.name, kind: other.kind as EntityRecord['kind'], label: r.label };
  });
  return { entity, pack: PACK, events, related, notes: [], ...overrides };
}

function props(overrides: Partial<CardProps> = {}): CardProps {
  return {
    data: cardData(),
    matched: 'Albukamal',
    seenOn: [],
    onClearSeen: vi.fn(),
    pinned: false,
    onTogglePin: vi.fn(),
    onClose: vi.fn(),
    canGoBack: false,
    onBack: vi.fn(),
    onOpenRelated: vi.fn(),
    onOpenManager: vi.fn(),
    onSaveNote: vi.fn(async () => ok(null)),
    now: () => NOW,
    ...overrides,
  };
}

const renderCard = (overrides: Partial<CardProps> = {}) => {
  const p = props(overrides);
  return { ...render(<Card {...p} />), props: p };
};

const section = (name: string) => screen.getByRole('heading', { level: 3, name }).closest('section')!;
const textarea = (name = 'Add a note') => screen.getByRole('textbox', { name }) as HTMLTextAreaElement;
const type = (el: HTMLTextAreaElement, value: string) => fireEvent.input(el, { target: { value } });

// ---- tests ------------------------------------------------------------------------------------------

describe('hover card', () => {
  it('is a dialog named by the entity and described by its summary', () => {
    renderCard();
    const dialog = screen.getByRole('dialog', { name: 'Albu Kamal' });
    expect(dialog.classList.contains('bs-card')).toBe(true);
    const description = document.getElementById(dialog.getAttribute('aria-describedby')!);
    expect(description?.textContent).toBe(packEntity('albu-kamal').summary);
    expect(screen.getByRole('heading', { level: 2, name: 'Albu Kamal' })).toBeTruthy();
    expect(dialog.querySelector('.bs-header .bs-kind')?.textContent).toBe('place');
  });

  it('has no description when the entity has no summary', () => {
    renderCard({ data: cardData('albu-kamal', { entity: entityFrom(packEntity('albu-kamal'), { summary: '' }) }) });
    expect(screen.getByRole('dialog').hasAttribute('aria-describedby')).toBe(false);
  });

  it('says which spelling matched, unless it is the name', () => {
    const { rerender, props: p } = renderCard();
    expect(screen.getByText(/^Matched/).textContent).toBe('Matched “Albukamal”');
    for (const matched of ['Albu Kamal', 'albu kamal', 'ALBU KAMAL', 'Albū Kamal', 'Albu-Kamal']) {
      rerender(<Card {...p} matched={matched} />);
      expect(screen.queryByText(/^Matched/)).toBeNull();
    }
  });

  it('lists the other aliases without the one that matched', () => {
    renderCard();
    const aliases = section('Also known as');
    expect(aliases.textContent).toContain('Abu Kamal, Al-Bukamal');
    expect(within(aliases).queryByText('Albukamal')).toBeNull();
    expect(within(aliases).queryByRole('button')).toBeNull();
  });

  it('shows eight aliases, then "+N more"', () => {
    const aliases = Array.from({ length: 12 }, (_, i) => ({ text: `Alias ${i + 1}`, case: 'auto' as const }));
    renderCard({ data: cardData('albu-kamal', { entity: entityFrom(packEntity('albu-kamal'), { aliases }) }) });
    const list = section('Also known as');
    expect(list.querySelectorAll('bdi')).toHaveLength(8);
    const more = within(list).getByRole('button', { name: '+4 more' });
    expect(more.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(more);
    expect(list.querySelectorAll('bdi')).toHaveLength(12);
    expect(within(list).getByRole('button', { name: 'show fewer' }).getAttribute('aria-expanded')).toBe('true');
  });

  it('omits sections that would be empty', () => {
    const entity = entityFrom(packEntity('albu-kamal'), { aliases: [], links: [] });
    renderCard({ data: cardData('albu-kamal', { entity, related: [] }) });
    const headings = screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent);
    expect(headings).toEqual(['Timeline', 'Your notes']);
  });

  it('shows the timeline oldest first with formatted partial dates and roles', () => {
    const data = cardData();
    renderCard({ data: { ...data, events: [...data.events].reverse() } });
    const items = [...screen.getByRole('list', { name: 'Timeline' }).querySelectorAll<HTMLElement>(':scope > li')];
    expect(items.map((li) => li.querySelector('.bs-event-date')!.textContent)).toEqual([
      '8–19 Nov 2017',
      '11–12 Mar 2020',
    ]);
    expect(within(items[0]!).getByText('Albu Kamal taken from the Islamic State')).toBeTruthy();
    // Albu Kamal is the place of both events: the store's synthetic "place" role reads as words.
    expect(within(items[0]!).getByText('Where it happened')).toBeTruthy();
    const source = within(items[0]!).getByRole('link', { name: 'Wikipedia: 2017 Abu Kamal offensive' });
    expect(source.getAttribute('href')).toBe('https://en.wikipedia.org/wiki/2017_Abu_Kamal_offensive');
  });

  it("shows the entity's role in each event, with month and year dates", () => {
    renderCard({ data: cardData('hashed-al-shaabi'), matched: 'PMF' });
    const timeline = screen.getByRole('list', { name: 'Timeline' });
    const first = timeline.querySelector('.bs-event')!;
    expect(first.querySelector('time')?.textContent).toBe('Jun 2014');
    expect(first.querySelector('time')?.getAttribute('datetime')).toBe('2014-06');
    expect(within(first as HTMLElement).getByText('formed')).toBeTruthy();
    expect(within(timeline).getByText('deputy chief killed')).toBeTruthy();
    expect(within(timeline).getByText('3 Jan 2020')).toBeTruthy();
  });

  it('says so when no event is linked', () => {
    renderCard({ data: cardData('albu-kamal', { events: [] }) });
    expect(within(section('Timeline')).getByText('No events linked yet.')).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Timeline' })).toBeNull();
  });

  it('renders many events', () => {
    const base = eventFrom(packEvent('albu-kamal-air-strike-2020'));
    const events = Array.from({ length: 20 }, (_, i) => ({
      event: { ...base, id: `e${i}`, title: `Event ${i}`, date: `${2000 + i}`, endDate: null },
      role: i % 2 ? 'target' : '',
    }));
    renderCard({ data: cardData('albu-kamal', { events }) });
    const list = screen.getByRole('list', { name: 'Timeline' });
    expect(list.querySelectorAll('.bs-event')).toHaveLength(20);
    expect(list.querySelector('.bs-event:last-child .bs-event-title')?.textContent).toBe('Event 19');
    expect(within(list).getAllByText('target')).toHaveLength(10);
  });

  it('clamps a long summary behind a More toggle', () => {
    renderCard();
    const summary = document.getElementById(screen.getByRole('dialog').getAttribute('aria-describedby')!)!;
    expect(summary.classList.contains('bs-clamped')).toBe(true);
    const more = screen.getByRole('button', { name: 'More' });
    expect(more.getAttribute('aria-expanded')).toBe('false');
    expect(more.getAttribute('aria-controls')).toBe(summary.id);
    fireEvent.click(more);
    expect(screen.getByRole('button', { name: 'Less' }).getAttribute('aria-expanded')).toBe('true');
    expect(summary.classList.contains('bs-clamped')).toBe(false);
  });

  it('has no More toggle for a short summary', () => {
    const entity = entityFrom(packEntity('albu-kamal'), { summary: 'Syrian border town.' });
    renderCard({ data: cardData('albu-kamal', { entity }) });
    expect(screen.queryByRole('button', { name: 'More' })).toBeNull();
  });

  it('lets right-to-left names, aliases and notes pick their own direction', () => {
    const entity = entityFrom(packEntity('albu-kamal'), {
      name: 'البوكمال',
      aliases: [
        { text: 'أبو كمال', case: 'auto' },
        { text: 'Albukamal', case: 'auto' },
      ],
    });
    const notes = [note('n1', 'ملاحظة عن المدينة')];
    renderCard({ data: cardData('albu-kamal', { entity, notes }), matched: 'Albu Kamal' });
    const heading = screen.getByRole('heading', { level: 2, name: 'البوكمال' });
    expect(heading.getAttribute('dir')).toBe('auto');
    expect(screen.getByRole('dialog', { name: 'البوكمال' })).toBeTruthy();
    expect(screen.getByText('أبو كمال').getAttribute('dir')).toBe('auto');
    expect(screen.getByText('ملاحظة عن المدينة').getAttribute('dir')).toBe('auto');
    expect(screen.getByText('Albu Kamal').getAttribute('dir')).toBe('auto');
  });

  it('renders hostile strings as text, never as markup or script links', () => {
    const img = '<img src=x onerror=alert(1)>';
    const script = '<script>alert(1)</script>';
    const entity = entityFrom(packEntity('albu-kamal'), {
      name: img,
      summary: script,
      aliases: [{ text: script, case: 'auto' }],
      links: [
        { url: 'javascript:alert(1)', title: 'Click me' },
        { url: 'JavaScript:alert(1)', title: '' },
        { url: 'data:text/html,<script>alert(1)</script>', title: img },
      ],
    });
    const event = eventFrom(packEvent('albu-kamal-air-strike-2020'), {
      title: img,
      sources: [{ url: 'javascript:alert(1)', title: script }],
    });
    const data = cardData('albu-kamal', {
      entity,
      events: [{ event, role: script }],
      related: [{ id: 'x', name: img, kind: 'group', label: script }],
      notes: [note('n1', img, { page: { url: 'javascript:alert(1)', title: script, quote: img } })],
      pack: { id: 'p', title: script },
    });
    const { container } = renderCard({
      data,
      matched: script,
      seenOn: [{ url: 'javascript:alert(1)', title: img, at: NOW - 1000 }],
    });
    expect(container.querySelectorAll('img, script, iframe, object, embed')).toHaveLength(0);
    for (const a of container.querySelectorAll('a')) {
      expect(isSafeUrl(a.getAttribute('href')!)).toBe(true);
    }
    expect(container.querySelectorAll('[href^="javascript:" i], [href^="data:" i], [src]')).toHaveLength(0);
    expect(screen.getByRole('dialog', { name: img })).toBeTruthy();
    expect(screen.getAllByText(img).length).toBeGreaterThan(3);
    expect(screen.getByText('Click me').tagName).toBe('SPAN');
    expect(screen.getByText('JavaScript:alert(1)').tagName).toBe('SPAN');
    expect(
      [...container.querySelectorAll('*')].some((el) => [...el.attributes].some((a) => a.name === 'onerror')),
    ).toBe(false);
  });

  it('opens http(s) links in a new tab without an opener', () => {
    renderCard();
    const link = within(section('Links')).getByRole('link', { name: 'Wikipedia: Abu Kamal' });
    expect(link.getAttribute('href')).toBe('https://en.wikipedia.org/wiki/Abu_Kamal');
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer');
  });

  it('switches to a related entity and back, moving focus to the new name', () => {
    const { props: p, rerender } = renderCard();
    const related = section('Related');
    expect(related.textContent).toContain('on the Euphrates');
    const button = within(related).getByRole('button', { name: /Euphrates/ });
    expect(button.textContent).toContain('place');
    expect(screen.queryByRole('button', { name: 'Back' })).toBeNull();
    button.focus();
    fireEvent.click(button);
    expect(p.onOpenRelated).toHaveBeenCalledWith('euphrates');

    rerender(<Card {...p} data={cardData('euphrates')} matched="Euphrates" canGoBack />);
    const heading = screen.getByRole('heading', { level: 2, name: 'Euphrates' });
    expect(document.activeElement).toBe(heading);
    fireEvent.click(screen.getByRole('button', { name: 'Back' }));
    expect(p.onBack).toHaveBeenCalledTimes(1);
  });

  it('does not steal focus when the host switches the entity', () => {
    const { props: p, rerender } = renderCard();
    rerender(<Card {...p} data={cardData('euphrates')} matched="Euphrates" />);
    expect(document.activeElement).toBe(document.body);
  });

  it('pins, closes and opens the manager', () => {
    const { props: p, rerender } = renderCard();
    const pin = screen.getByRole('button', { name: 'Pin card' });
    expect(pin.getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(pin);
    expect(p.onTogglePin).toHaveBeenCalledTimes(1);
    rerender(<Card {...p} pinned />);
    expect(screen.getByRole('button', { name: 'Pin card', pressed: true })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Close card' }));
    expect(p.onClose).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getByRole('button', { name: 'Open in manager' }));
    expect(p.onOpenManager).toHaveBeenCalledWith('albu-kamal');
  });

  it('names the pack the entity came from, or says it is the user’s own', () => {
    const { props: p, rerender } = renderCard();
    expect(screen.getByText(/^From pack:/).textContent).toBe('From pack: Iraq and Syria, 2019-2020');
    const own = entityFrom(packEntity('albu-kamal'), { pack: null });
    rerender(<Card {...p} data={cardData('albu-kamal', { entity: own, pack: null })} />);
    expect(screen.getByText('Your own entity')).toBeTruthy();
  });

  it('sets the theme on the root', () => {
    const { props: p, rerender } = renderCard();
    expect(screen.getByRole('dialog').hasAttribute('data-theme')).toBe(false);
    rerender(<Card {...p} theme="dark" />);
    expect(screen.getByRole('dialog').getAttribute('data-theme')).toBe('dark');
  });

  describe('seen on', () => {
    const pages = Array.from({ length: 7 }, (_, i) => ({
      url: `https://news.example/story-${i}`,
      title: `Story ${i}`,
      at: NOW - (i + 1) * DAY,
    }));

    it('lists the latest five pages, newest first, with Clear', () => {
      const { props: p } = renderCard({ seenOn: [...pages].reverse() });
      const seen = section('Seen on');
      const links = within(seen).getAllByRole('link');
      expect(links.map((a) => a.textContent)).toEqual(['Story 0', 'Story 1', 'Story 2', 'Story 3', 'Story 4']);
      expect(links[0]!.getAttribute('href')).toBe('https://news.example/story-0');
      expect(seen.textContent).toContain('Story 0 · yesterday');
      expect(seen.textContent).toContain('Story 2 · 3 days ago');
      fireEvent.click(within(seen).getByRole('button', { name: 'Clear pages seen on' }));
      expect(p.onClearSeen).toHaveBeenCalledTimes(1);
    });

    it('is left out when the entity was not seen before', () => {
      renderCard({ seenOn: [] });
      expect(screen.queryByRole('heading', { name: 'Seen on' })).toBeNull();
    });
  });

  describe('notes', () => {
    it('shows notes newest first with line breaks, date and source page', () => {
      const notes = [
        note('n2', 'Second line one\nSecond line two', {
          updatedAt: NOW - 2 * DAY,
          page: { url: 'https://news.example/a', title: 'A story', quote: 'the quoted words' },
        }),
        note('n1', 'First note', { updatedAt: NOW - 40 * DAY }),
      ];
      renderCard({ data: cardData('albu-kamal', { notes }) });
      const list = within(section('Your notes')).getByRole('list');
      const items = within(list).getAllByRole('listitem');
      expect(items[0]!.querySelector('.bs-note-text')!.textContent).toBe('Second line one\nSecond line two');
      expect(items[0]!.textContent).toContain('updated 2 days ago');
      expect(within(items[0]!).getByRole('link', { name: 'A story' }).getAttribute('href')).toBe(
        'https://news.example/a',
      );
      expect(within(items[0]!).getByText('the quoted words')).toBeTruthy();
      expect(items[1]!.textContent).toContain('updated 10 Apr 2024');
    });

    it('shows just the add form when there are no notes', () => {
      renderCard();
      const notes = section('Your notes');
      expect(within(notes).queryByRole('list')).toBeNull();
      expect(within(notes).getByRole('textbox', { name: 'Add a note' })).toBeTruthy();
    });

    it('cannot save an empty note', () => {
      const { props: p } = renderCard();
      const save = screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement;
      expect(save.disabled).toBe(true);
      type(textarea(), '   \n ');
      expect(save.disabled).toBe(true);
      fireEvent.keyDown(textarea(), { key: 'Enter', ctrlKey: true });
      expect(p.onSaveNote).not.toHaveBeenCalled();
    });

    it('adds a note, disabling Save while saving and clearing the text after', async () => {
      let answer!: (r: Result<unknown>) => void;
      const onSaveNote = vi.fn(() => new Promise<Result<unknown>>((resolve) => (answer = resolve)));
      renderCard({ onSaveNote });
      type(textarea(), '  Border crossing reopened  ');
      const save = screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement;
      expect(save.disabled).toBe(false);
      fireEvent.click(save);
      expect(onSaveNote).toHaveBeenCalledWith({ text: 'Border crossing reopened' });
      const saving = screen.getByRole('button', { name: 'Saving…' }) as HTMLButtonElement;
      expect(saving.disabled).toBe(true);
      fireEvent.click(saving);
      expect(onSaveNote).toHaveBeenCalledTimes(1);
      await act(async () => answer(ok(null)));
      expect(textarea().value).toBe('');
      expect(screen.queryByRole('alert')).toBeNull();
    });

    it('shows the error and keeps the text when the save fails', async () => {
      const onSaveNote = vi.fn(async () => err('storage-failed', 'The store could not complete the change.'));
      renderCard({ onSaveNote });
      type(textarea(), 'Keep me');
      fireEvent.click(screen.getByRole('button', { name: 'Save' }));
      const alert = await screen.findByRole('alert');
      expect(alert.textContent).toBe('The store could not complete the change.');
      expect(textarea().value).toBe('Keep me');
      expect(textarea().getAttribute('aria-describedby')).toBe(alert.id);
      expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(false);
    });

    it('shows an error when the save throws', async () => {
      const onSaveNote = vi.fn(() => Promise.reject(new Error('port closed')));
      renderCard({ onSaveNote });
      type(textarea(), 'Keep me');
      fireEvent.click(screen.getByRole('button', { name: 'Save' }));
      expect((await screen.findByRole('alert')).textContent).toContain('port closed');
      expect(textarea().value).toBe('Keep me');
    });

    it('saves with Ctrl+Enter and Cmd+Enter', async () => {
      const { props: p } = renderCard();
      type(textarea(), 'One');
      fireEvent.keyDown(textarea(), { key: 'Enter', ctrlKey: true });
      await waitFor(() => expect(p.onSaveNote).toHaveBeenCalledWith({ text: 'One' }));
      await waitFor(() => expect(textarea().value).toBe(''));
      type(textarea(), 'Two');
      fireEvent.keyDown(textarea(), { key: 'Enter', metaKey: true });
      await waitFor(() => expect(p.onSaveNote).toHaveBeenCalledWith({ text: 'Two' }));
      type(textarea(), 'Three');
      fireEvent.keyDown(textarea(), { key: 'Enter' });
      expect(p.onSaveNote).toHaveBeenCalledTimes(2);
    });

    it('edits a note in place and returns focus to its Edit button', async () => {
      const { props: p } = renderCard({ data: cardData('albu-kamal', { notes: [note('n1', 'Old text')] }) });
      fireEvent.click(screen.getByRole('button', { name: 'Edit note' }));
      const editor = textarea('Edit note');
      expect(editor.value).toBe('Old text');
      expect(document.activeElement).toBe(editor);
      type(editor, 'New text');
      fireEvent.click(within(editor.closest('form')!).getByRole('button', { name: 'Save' }));
      expect(p.onSaveNote).toHaveBeenCalledWith({ id: 'n1', text: 'New text' });
      await waitFor(() => expect(screen.queryByRole('textbox', { name: 'Edit note' })).toBeNull());
      expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Edit note' }));
    });

    it('keeps the edit open with the error when the save fails', async () => {
      const onSaveNote = vi.fn(async () => err('not-found', 'That note does not exist (any more): n1.'));
      renderCard({ onSaveNote, data: cardData('albu-kamal', { notes: [note('n1', 'Old text')] }) });
      fireEvent.click(screen.getByRole('button', { name: 'Edit note' }));
      type(textarea('Edit note'), 'Changed');
      fireEvent.keyDown(textarea('Edit note'), { key: 'Enter', ctrlKey: true });
      expect((await screen.findByRole('alert')).textContent).toBe('That note does not exist (any more): n1.');
      expect(textarea('Edit note').value).toBe('Changed');
    });

    it('cancels an edit with Cancel or Escape', () => {
      const { props: p } = renderCard({ data: cardData('albu-kamal', { notes: [note('n1', 'Old text')] }) });
      fireEvent.click(screen.getByRole('button', { name: 'Edit note' }));
      type(textarea('Edit note'), 'Changed');
      fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
      expect(screen.getByText('Old text')).toBeTruthy();
      fireEvent.click(screen.getByRole('button', { name: 'Edit note' }));
      const outside = vi.fn();
      document.addEventListener('keydown', outside);
      fireEvent.keyDown(textarea('Edit note'), { key: 'Escape' });
      document.removeEventListener('keydown', outside);
      expect(screen.queryByRole('textbox', { name: 'Edit note' })).toBeNull();
      expect(outside).not.toHaveBeenCalled();
      expect(p.onSaveNote).not.toHaveBeenCalled();
    });
  });

  describe('accessibility', () => {
    const full = () =>
      renderCard({
        canGoBack: true,
        data: cardData('albu-kamal', {
          notes: [note('n1', 'A note', { page: { url: 'https://news.example/a', title: 'A story', quote: '' } })],
        }),
        seenOn: [{ url: 'https://news.example/b', title: 'B story', at: NOW - 5000 }],
      });

    it('gives every button a name and the type "button"', () => {
      full();
      const buttons = screen.getAllByRole('button');
      expect(buttons.length).toBeGreaterThan(8);
      expect(screen.getAllByRole('button', { name: (name) => name.trim() !== '' })).toHaveLength(buttons.length);
      for (const b of buttons) expect(b.getAttribute('type')).toBe('button');
    });

    it('keeps every control in the tab order', () => {
      const { container } = full();
      const controls = container.querySelectorAll<HTMLElement>('button, a, textarea, input, select');
      expect(controls.length).toBeGreaterThan(10);
      for (const el of controls) {
        expect(el.tabIndex, el.outerHTML).toBeGreaterThanOrEqual(0);
        if (el.tagName === 'A') expect(el.hasAttribute('href')).toBe(true);
      }
    });

    it('has a heading for every section', () => {
      full();
      expect(screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent)).toEqual([
        'Also known as',
        'Links',
        'Timeline',
        'Related',
        'Your notes',
        'Seen on',
      ]);
    });
  });
});
