/**
 * Hostile data shown: the corpus of tests/fixtures/hostile.ts imported as a pack (through the real
 * router over fake-indexeddb), then the hover card, the popup and the manager's panels rendered with
 * every entry. What must hold in every view:
 * - nothing that could run or load comes from data: no script, iframe, object, embed, style, link,
 *   meta, base, img or media element, no SVG but the page's own icons, no attribute starting with
 *   `on`, no src/srcdoc/action/data attribute, no style attribute with a URL;
 * - every `a[href]` is http: or https:; any other URL is shown as plain text;
 * - the payload text appears literally (as text, never parsed);
 * - user text is bidi-isolated: a right-to-left override inside a name cannot reorder the words that
 *   follow it (an element with `dir` or a `<bdi>` holds it, or it is wrapped in U+2068…U+2069).
 * Records with URLs that no importer takes (javascript:, data: …) are written into the store directly,
 * as a damaged disk or an old version could have: the pages must stay inert with them too.
 */
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import Card from '../../components/card/Card';
import ConflictsView from '../../components/manager/ConflictsView';
import { PREVIEW_CHARS } from '../../components/ui/clamp';
import EntitiesPanel from '../../components/manager/EntitiesPanel';
import EventsPanel from '../../components/manager/EventsPanel';
import NotesPanel from '../../components/manager/NotesPanel';
import PacksPanel from '../../components/manager/PacksPanel';
import Capture from '../../components/capture/Capture';
import { NoteItem } from '../../components/popup/NoteItem';
import type { TabMentions } from '../../components/popup/env';
import App from '../../entrypoints/popup/App';
import type { EntityRecord, EventRecord, NoteRecord } from '../../lib/model';
import { DEFAULT_SETTINGS } from '../../lib/settings';
import type { KnowledgeStore } from '../../lib/store/store';
import { mergeMaps } from '../../lib/sync/merge';
import { storeApi } from '../fixtures/api';
import {
  BIDI_CONTROL,
  HOSTILE,
  PWNED,
  UNSAFE_URLS,
  bidiLeaks,
  hostilePack,
  plainAlias,
  type Hostile,
} from '../fixtures/hostile';
import { freshStore } from '../fixtures/store';

// ---- what every view must satisfy -------------------------------------------------------------------

/** Elements none of these pages renders: if one is there, it came from data. */
const FORBIDDEN =
  'script, iframe, frame, frameset, object, embed, applet, style, link, meta, base, img, video, audio, source, picture, math, template, noscript, xmp, plaintext, marquee, foreignObject, animate, set, use, image';
/** Attributes that load or run something. */
const LOADING_ATTRIBUTES = new Set([
  'src',
  'srcdoc',
  'action',
  'formaction',
  'data',
  'background',
  'poster',
  'xlink:href',
]);
/** What the page's own SVG icons are drawn with. */
const ICON_PARTS = new Set(['svg', 'path', 'circle', 'line', 'polyline', 'polygon', 'rect', 'g']);

const isWebUrl = (href: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(href).protocol);
  } catch {
    return false;
  }
};

/** Everything in `root` that could run, load or navigate somewhere other than an http(s) page. */
function inertnessProblems(root: ParentNode): string[] {
  const problems: string[] = [];
  for (const el of root.querySelectorAll(FORBIDDEN)) problems.push(`a <${el.localName}> element`);
  for (const el of root.querySelectorAll('*')) {
    const inSvg = el.closest('svg') !== null;
    if (inSvg && !ICON_PARTS.has(el.localName)) problems.push(`<${el.localName}> inside an svg`);
    for (const { name, value } of el.attributes) {
      const attr = name.toLowerCase();
      if (attr.startsWith('on')) problems.push(`<${el.localName} ${name}="${value.slice(0, 40)}">`);
      if (LOADING_ATTRIBUTES.has(attr)) problems.push(`<${el.localName} ${name}>`);
      if (attr === 'style' && /url\(|expression|javascript:|@import/i.test(value))
        problems.push(`<${el.localName} style="${value.slice(0, 40)}">`);
      if (attr === 'href' && !(el.localName === 'a' && isWebUrl(value)))
        problems.push(`<${el.localName} href="${value.slice(0, 40)}">`);
    }
  }
  if ((window as unknown as Record<string, unknown>)[PWNED] !== undefined) problems.push(`window.${PWNED} was set`);
  return problems;
}

/**
 * Where bidi ends: an element with `dir` or a <bdi> (isolated by the browser's own style sheet), a
 * block (a new paragraph), or a control (an atomic box whose text is a paragraph of its own).
 */
const BIDI_BOUNDARY =
  '[dir], bdi, button, input, textarea, select, option, p, div, li, ul, ol, dl, dt, dd, h1, h2, h3, h4, h5, h6, blockquote, section, article, header, footer, main, aside, nav, form, fieldset, legend, table, td, th, details, summary, pre';

/** The text of `boundary` (nested boundaries left out: their text is apart), and where `node` starts in it. */
function paragraphOf(boundary: Element, node: Text): { text: string; offset: number } {
  const walker = document.createTreeWalker(boundary, NodeFilter.SHOW_TEXT);
  let text = '';
  let offset = 0;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement?.closest(BIDI_BOUNDARY) !== boundary) continue;
    if (n === node) offset = text.length;
    text += (n as Text).data;
  }
  return { text, offset };
}

/**
 * User texts with bidi controls whose controls reach text shown after them. `texts` are found inside
 * text nodes; a node that is all one text of `whole` (a pack description) counts as user text entire.
 */
function bidiProblems(root: ParentNode, texts: readonly string[], whole: readonly string[] = []): string[] {
  const problems: string[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
    if (!BIDI_CONTROL.test(node.data)) continue;
    const boundary = node.parentElement?.closest(BIDI_BOUNDARY) ?? document.body;
    const { text, offset } = paragraphOf(boundary, node);
    for (const t of whole.includes(node.data) ? [node.data] : texts) {
      for (let at = node.data.indexOf(t); at >= 0; at = node.data.indexOf(t, at + 1)) {
        const end = offset + at + t.length;
        if (bidiLeaks(text, offset + at, end))
          problems.push(
            `${JSON.stringify(t)} reorders ${JSON.stringify(text.slice(end, end + 40))} in <${boundary.localName}>`,
          );
      }
    }
  }
  return problems;
}

/** The corpus strings (as stored) that hold bidi controls. */
const BIDI_TEXTS = HOSTILE.map((h) => h.text.trim()).filter((t) => BIDI_CONTROL.test(t));

/** Everything shown: text, and the values of form fields. */
const shownText = (root: Element) =>
  [
    root.textContent ?? '',
    ...[...root.querySelectorAll('input, textarea')].map((e) => (e as HTMLInputElement).value),
  ].join('\n');

/**
 * What is wrong with a rendered view: anything that could run or load, user text whose bidi controls
 * leak, and texts of `shown` that are not there literally. Each line starts with `label`. `whole`:
 * user texts made of several corpus strings (shown in one piece, they are one user text).
 */
function problems(
  label: string,
  root: Element = document.body,
  shown: readonly string[] = [],
  whole: readonly string[] = [],
): string[] {
  const text = shownText(root);
  return [
    ...inertnessProblems(root),
    ...bidiProblems(root, BIDI_TEXTS, whole),
    ...shown.filter((t) => !text.includes(t)).map((t) => `${JSON.stringify(t.slice(0, 60))} is not shown literally`),
  ].map((p) => `${label}: ${p}`);
}

// ---- the store ------------------------------------------------------------------------------------

let alerts: ReturnType<typeof vi.fn>;
beforeEach(() => {
  alerts = vi.fn();
  vi.stubGlobal('alert', alerts);
});
afterEach(() => {
  expect(alerts).not.toHaveBeenCalled();
  expect((window as unknown as Record<string, unknown>)[PWNED]).toBeUndefined();
  vi.unstubAllGlobals();
});

interface Corpus {
  store: KnowledgeStore;
  api: Awaited<ReturnType<typeof storeApi>>['api'];
  entities: EntityRecord[];
  events: EventRecord[];
  notes: NoteRecord[];
  /** The corpus entry entity `h<i>` holds. */
  entryOf: Map<string, Hostile>;
}

/**
 * The corpus pack imported through the router. Then URLs no importer takes are written straight into
 * the stored records (one unsafe URL each: links, sources, the note's page, a pack's homepage).
 */
async function corpusStore(): Promise<Corpus> {
  const { store, api } = await storeApi({ empty: true });
  const r = await api('pack.import', { text: JSON.stringify(hostilePack()) });
  if (!r.ok) throw new Error(r.error.message);
  const unsafe = (i: number) => UNSAFE_URLS[i % UNSAFE_URLS.length]!.text;
  const localIndex = (r: { packLocalId: string | null }) => Number(r.packLocalId?.replace(/^\D+/, '') ?? 0);
  const tx = store.db.transaction(['entities', 'events', 'notes', 'packs'], 'readwrite');
  for (const e of await tx.objectStore('entities').getAll())
    await tx.objectStore('entities').put({
      ...e,
      links: [
        ...e.links,
        { url: unsafe(localIndex(e)), title: '' },
        { url: unsafe(localIndex(e) + 1), title: 'Unsafe' },
      ],
    });
  for (const ev of await tx.objectStore('events').getAll())
    await tx.objectStore('events').put({ ...ev, sources: [...ev.sources, { url: unsafe(localIndex(ev)), title: '' }] });
  for (const n of await tx.objectStore('notes').getAll())
    await tx.objectStore('notes').put({ ...n, page: { ...n.page!, url: unsafe(localIndex(n)) } });
  await tx.objectStore('packs').put({
    id: 'unsafe-homepage',
    title: 'Unsafe homepage',
    version: '1',
    description: '',
    authors: [],
    license: null,
    homepage: 'javascript:alert(1)',
    installedAt: 0,
    updatedAt: 0,
  });
  await tx.done;
  const [entities, events, notes] = await Promise.all([store.listEntities(), store.listEvents(), store.listNotes()]);
  const entryOf = new Map<string, Hostile>();
  for (const e of entities) if (/^h\d+$/.test(e.packLocalId ?? '')) entryOf.set(e.id, HOSTILE[localIndex(e)]!);
  return { store, api, entities, events, notes, entryOf };
}

let corpus: Corpus;
beforeAll(async () => {
  corpus = await corpusStore();
});

const hostileEntities = () => corpus.entities.filter((e) => corpus.entryOf.has(e.id));

// ---- the card -------------------------------------------------------------------------------------

describe('the hover card with hostile data', () => {
  it(
    'shows every corpus entry as text: inert, links http(s) only, user text isolated',
    { timeout: 120_000 },
    async () => {
      const found: string[] = [];
      for (const e of hostileEntities()) {
        const h = corpus.entryOf.get(e.id)!;
        const data = (await corpus.store.card(e.id))!;
        const { unmount, container } = render(
          <Card
            data={data}
            matched={plainAlias(Number(e.packLocalId!.slice(1)))}
            seenOn={[
              { url: UNSAFE_URLS[0]!.text, title: h.text, at: 1 },
              { url: 'https://news.example/a', title: h.text, at: 2 },
            ]}
            onClearSeen={() => {}}
            pinned={false}
            onTogglePin={() => {}}
            onClose={() => {}}
            canGoBack={false}
            onBack={() => {}}
            onOpenRelated={() => {}}
            onOpenManager={() => {}}
            onSaveNote={async () => ({ ok: true, value: null })}
          />,
        );
        found.push(
          ...problems(`card of ${h.label}`, container, [
            e.name,
            e.summary,
            ...data.events.map((x) => x.event.title),
            ...data.notes.map((n) => n.text),
            ...e.links.filter((l) => l.title.trim()).map((l) => l.title.trim()),
            // An unsafe URL without a title is shown as the text it is.
            ...e.links.filter((l) => !l.title.trim() && !isWebUrl(l.url)).map((l) => l.url),
          ]),
        );
        unmount();
      }
      expect(found).toEqual([]);
    },
  );
});

// ---- the popup ----------------------------------------------------------------------------------

function mentionsOf(entities: EntityRecord[]): TabMentions {
  return {
    entities: entities.map((e, i) => ({ id: e.id, name: e.name, kind: e.kind, count: i + 1, texts: [e.name] })),
    active: true,
    site: 'www.example.com',
    stats: {
      blocks: 1,
      chars: 100,
      matchedChars: 100,
      marks: entities.length,
      dropped: 0,
      batches: 1,
      rescans: 0,
      errors: 0,
    },
  };
}

function renderPopup(entities: EntityRecord[]) {
  render(
    <App
      api={corpus.api}
      tab={{ mentions: async () => mentionsOf(entities), show: async () => true }}
      settings={{ get: async () => DEFAULT_SETTINGS, set: async () => {} }}
      openManager={() => {}}
      syncStatus={async () => `Synced ${HOSTILE[0]!.text}`}
      watchRevision={() => () => {}}
    />,
  );
}

describe('the popup with hostile data', () => {
  it(
    'lists every hostile name on the page, the recent notes and the footer, inert and isolated',
    { timeout: 120_000 },
    async () => {
      const entities = hostileEntities();
      renderPopup(entities);
      fireEvent.click(await screen.findByRole('button', { name: `Show all ${entities.length} names` }));
      await screen.findByRole('heading', { name: 'Recent notes' });
      await waitFor(() => expect(document.querySelectorAll('.notes > li').length).toBe(20));
      await waitFor(() => expect(document.body.textContent).not.toContain('about …'));
      expect(
        problems(
          'popup',
          document.body,
          entities.map((e) => e.name),
        ),
      ).toEqual([]);
    },
  );

  it('shows search results for hostile queries as text', { timeout: 120_000 }, async () => {
    renderPopup([]);
    const box = await screen.findByRole('searchbox', { name: 'Search your store' });
    for (const h of HOSTILE.filter((x) => ['bidi', 'markup', 'svg', 'handler'].includes(x.category))) {
      const query = h.text.trim().slice(0, 300);
      fireEvent.input(box, { target: { value: query } });
      await waitFor(() =>
        expect(document.querySelector('.results')?.getAttribute('data-results-for')).toBe(query.trim()),
      );
      expect(problems(`search for ${h.label}`)).toEqual([]);
    }
  });

  it('shows every note (text, what it is about, its page) inert: an unsafe page address is no link', async () => {
    const titles = new Map(corpus.entities.map((e) => [e.id, e.name]));
    render(
      <ul>
        {corpus.notes.map((n) => (
          <NoteItem
            key={n.id}
            api={corpus.api}
            note={n}
            about={titles.get(n.about.id)}
            editing={false}
            setEditing={() => {}}
            openManager={() => {}}
            onSaved={() => {}}
            onDeleted={() => {}}
            now={Date.now()}
          />
        ))}
      </ul>,
    );
    expect(
      problems(
        'popup notes',
        document.body,
        // A long note shows its beginning until "Show more" (see the megabyte test below).
        corpus.notes.map((n) => n.text.slice(0, 1000)),
      ),
    ).toEqual([]);
    expect(document.querySelectorAll('a').length).toBe(0);
  });
});

// ---- the manager --------------------------------------------------------------------------------

const panelProps = () => ({
  api: corpus.api,
  revision: 0,
  offerUndo: () => {},
  navigate: () => {},
});

async function settle(text: string) {
  await waitFor(() => expect(document.body.textContent).not.toContain(text));
}

describe('the manager with hostile data', () => {
  it(
    'opens every hostile entity in the editor: list, heading, fields, relations, events, alias preview',
    { timeout: 300_000 },
    async () => {
      const found: string[] = [];
      const { rerender } = render(<EntitiesPanel {...panelProps()} focusId={null} />);
      for (const e of hostileEntities()) {
        const h = corpus.entryOf.get(e.id)!;
        // The address changes to the next entity, as when the manager is opened at #entity=<id>.
        rerender(<EntitiesPanel {...panelProps()} focusId={e.id} />);
        await waitFor(() => {
          expect(document.querySelector('.entity-editor-head h3')?.textContent).toBe(e.name);
          expect(document.querySelector('.entity-connections')).not.toBeNull();
        });
        found.push(
          ...problems(`editor of ${h.label}`, document.body, [
            e.name,
            e.summary,
            e.aliases[0]!.text,
            e.links[0]!.title,
          ]),
        );
      }
      expect(found).toEqual([]);
    },
  );

  it('opens the merge dialog for a hostile entity, inert and isolated', async () => {
    const e = hostileEntities().find((x) => corpus.entryOf.get(x.id)!.label === 'override in a name')!;
    render(<EntitiesPanel {...panelProps()} focusId={e.id} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Merge with…' }));
    const dialog = await screen.findByRole('dialog');
    const box = within(dialog).getByRole('combobox');
    fireEvent.input(box, { target: { value: 'Hostile Ref' } });
    await within(dialog).findAllByRole('option');
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(dialog.textContent).toMatch(/will be deleted/));
    expect(problems('merge dialog')).toEqual([]);
  });

  it('lists every note and every event, and opens hostile events', { timeout: 120_000 }, async () => {
    const notes = render(<NotesPanel {...panelProps()} focusId={null} />);
    await settle('Loading notes…');
    const found = problems(
      'notes panel',
      document.body,
      corpus.notes.map((n) => n.text.slice(0, 1000)),
    );
    notes.unmount();

    const events = render(<EventsPanel {...panelProps()} focusId={null} />);
    await settle('Loading events…');
    found.push(
      ...problems(
        'events list',
        document.body,
        corpus.events.map((e) => e.title),
      ),
    );
    events.unmount();

    for (const ev of corpus.events.filter((x) => BIDI_CONTROL.test(x.title) || /</.test(x.title))) {
      const { unmount } = render(<EventsPanel {...panelProps()} focusId={ev.id} />);
      await waitFor(() => expect(document.querySelector('.split-detail form')).not.toBeNull());
      found.push(...problems(`event editor of ${JSON.stringify(ev.title.slice(0, 30))}`));
      unmount();
    }
    expect(found).toEqual([]);
  });

  it('shows the hostile pack and its removal dialog, with no unsafe homepage link', async () => {
    render(<PacksPanel {...panelProps()} focusId={null} subscribeProgress={() => () => {}} />);
    await settle('Loading packs…');
    const pack = hostilePack().pack;
    expect(
      problems(
        'packs panel',
        document.body,
        [pack.title, ...pack.authors, pack.license, 'javascript:alert(1)'],
        [pack.description],
      ),
    ).toEqual([]);
    const card = [...document.querySelectorAll('.pack-card')].find((c) => c.textContent!.includes(pack.title))!;
    fireEvent.click(within(card as HTMLElement).getByRole('button', { name: /^Remove/ }));
    await screen.findByRole('dialog');
    expect(problems('remove pack dialog', document.body, [], [pack.description])).toEqual([]);
  });

  it('shows sync conflicts between hostile values, inert and isolated', { timeout: 120_000 }, async () => {
    // A second device edits the same summaries at the same time: the store keeps both as a conflict.
    const own = await corpusStore();
    const { store: other } = await freshStore();
    const exchange = async () => {
      const exports = await Promise.all([own.store, other].map((s) => s.exportSyncState()));
      const merged = mergeMaps(exports[0]!.states, exports[1]!.states);
      await own.store.applySyncState(merged, exports[0]!.revision);
      await other.applySyncState(merged, exports[1]!.revision);
    };
    await exchange();
    const picked = own.entities.filter((e) => own.entryOf.has(e.id) && BIDI_CONTROL.test(e.name)).slice(0, 5);
    for (const e of picked) {
      const fields = {
        name: e.name,
        kind: e.kind,
        aliases: e.aliases,
        links: e.links.slice(0, 1),
        tags: e.tags,
        related: e.related,
      };
      await own.store.saveEntity({ ...fields, summary: `\u202Eone ${e.summary}` }, e.id);
      await other.saveEntity({ ...fields, summary: `\u202Etwo ${e.summary}` }, e.id);
    }
    await exchange();
    render(<ConflictsView api={own.api} reloadKey="1" onResolved={() => {}} />);
    await waitFor(() => expect(document.querySelectorAll('.conflict-value').length).toBeGreaterThan(0));
    expect(problems('conflicts')).toEqual([]);
    const keep = screen.getAllByRole('button', { name: /^Keep/ })[0]!;
    await act(async () => {
      fireEvent.click(keep);
    });
    await waitFor(() => expect(document.body.textContent).toMatch(/Kept the chosen/));
    expect(problems('conflicts after keeping one')).toEqual([]);
  });
});

// ---- the capture window: the page's own title and selection are hostile too ----------------------------

// ---- a megabyte of text -------------------------------------------------------------------------------

describe('a megabyte of text without a space (a damaged record)', () => {
  const MB = 1024 * 1024;
  /** How many characters of text the browser would lay out. */
  const rendered = (el: Element | null) => el?.textContent?.length ?? -1;

  it('is rendered only in part until More is pressed: in the card, the popup and the manager', async () => {
    const { store, api } = await storeApi({ empty: true });
    const entity = await store.saveEntity({ name: 'Damaged', kind: 'person' });
    const note = await store.saveNote({ about: { type: 'entity', id: entity.id }, text: 'short for now' });
    // Written straight into the store: no form takes a megabyte.
    await store.db.put('entities', { ...(await store.getEntity(entity.id))!, summary: 'M'.repeat(MB) });
    await store.db.put('notes', { ...(await store.db.get('notes', note.id))!, text: 'T'.repeat(MB) });
    const data = (await store.card(entity.id))!;

    const card = render(
      <Card
        data={data}
        matched=""
        seenOn={[]}
        onClearSeen={() => {}}
        pinned={false}
        onTogglePin={() => {}}
        onClose={() => {}}
        canGoBack={false}
        onBack={() => {}}
        onOpenRelated={() => {}}
        onOpenManager={() => {}}
        onSaveNote={async () => ({ ok: true, value: null })}
      />,
    );
    const summary = () => document.querySelector('.bs-summary');
    const noteText = () => document.querySelector('.bs-note-text');
    expect(rendered(summary())).toBeLessThanOrEqual(PREVIEW_CHARS + 1);
    expect(rendered(noteText())).toBeLessThanOrEqual(PREVIEW_CHARS + 1);
    const [moreSummary, moreNote] = screen.getAllByRole('button', { name: 'More' });
    fireEvent.click(moreSummary!);
    fireEvent.click(moreNote!);
    expect([rendered(summary()), rendered(noteText())]).toEqual([MB, MB]);
    card.unmount();

    const notes = await store.notesAbout(entity.id);
    const popup = render(
      <ul>
        <NoteItem
          api={api}
          note={notes[0]!}
          about="Damaged"
          editing={false}
          setEditing={() => {}}
          openManager={() => {}}
          onSaved={() => {}}
          onDeleted={() => {}}
          now={Date.now()}
        />
      </ul>,
    );
    expect(rendered(document.querySelector('.note-text'))).toBeLessThanOrEqual(PREVIEW_CHARS + 1);
    fireEvent.click(screen.getByRole('button', { name: 'Show more' }));
    expect(rendered(document.querySelector('.note-text'))).toBe(MB);
    popup.unmount();

    render(<NotesPanel api={api} revision={0} offerUndo={() => {}} navigate={() => {}} focusId={null} />);
    await settle('Loading notes…');
    expect(rendered(document.querySelector('.note-text'))).toBeLessThanOrEqual(PREVIEW_CHARS + 1);
    fireEvent.click(screen.getByRole('button', { name: 'Show more' }));
    expect(rendered(document.querySelector('.note-text'))).toBe(MB);
  });
});

describe('the capture window with a hostile page', () => {
  it(
    'shows the title and the selection of a hostile page as text, and no unsafe page as a link',
    { timeout: 120_000 },
    async () => {
      const { api } = await storeApi({ empty: true });
      const found: string[] = [];
      for (const h of HOSTILE) {
        const { unmount } = render(
          <Capture
            api={api}
            mode="note"
            capture={{ selection: h.text, url: UNSAFE_URLS[0]!.text, title: h.text, published: null }}
            close={() => {}}
          />,
        );
        found.push(...problems(`capture of ${h.label}`, document.body, [h.text.trim()]));
        unmount();
      }
      expect(found).toEqual([]);
    },
  );
});
