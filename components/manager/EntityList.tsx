import { Fragment, type ComponentChildren, type RefObject } from 'preact';
import { useEffect, useId, useLayoutEffect, useMemo, useState } from 'preact/hooks';
import { ENTITY_KINDS, type EntityRecord, type PackRecord } from '../../lib/model';
import { foldKey } from '../../lib/text';
import { plural, type Api } from '../ui/api';
import { KIND_LABELS } from '../ui/labels';

/** Height of one row in CSS pixels: virtualisation places row i at i × ROW_HEIGHT. */
export const ROW_HEIGHT = 52;
/** Viewport height used until the list has been laid out (and in tests, where nothing is). */
const FALLBACK_HEIGHT = 480;
/** Rows rendered beyond each edge of the viewport, so that fast scrolling shows no gap. */
const OVERSCAN = 10;
/** Pack filter value of the user's own entities (a pack id never contains a colon). */
const OWN = ':own';

type SortKey = 'name' | 'kind' | 'updated';

interface Row {
  entity: EntityRecord;
  /** Folded name, aliases and tags, one per line: what the search box looks in. */
  hay: string;
  packTitle: string;
}

/** Saves a document as a JSON file through a temporary link (no download permission needed). */
export function downloadJson(doc: unknown, name: string): void {
  downloadText(JSON.stringify(doc, null, 2), name);
}

/** Saves JSON text as a file through a temporary link. */
export function downloadText(text: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Some browsers read the blob after the click returns: release it a little later.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Today in the user's time zone, as YYYY-MM-DD (for file names). */
export function localDate(d = new Date()): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

export interface EntityListProps {
  api: Api;
  entities: EntityRecord[];
  packs: PackRecord[];
  /** The entity open in the editor. */
  openId: string | null;
  onOpen: (id: string, how: 'keyboard' | 'pointer') => void;
  onNew: () => void;
  onShowPacks: () => void;
  /** The listbox (the scroll container), so the panel can return focus to it. */
  listboxRef: RefObject<HTMLDivElement | null>;
}

/**
 * Every entity in a searchable, filterable, virtualised listbox: only the rows in view are in the
 * DOM. Arrow keys, Page Up/Down, Home and End move the active row, Enter opens it, Space selects it for
 * export (as do Ctrl/Cmd+click and Shift+click).
 */
export function EntityList({ api, entities, packs, openId, onOpen, onNew, onShowPacks, listboxRef }: EntityListProps) {
  const id = useId();
  const [query, setQuery] = useState('');
  const [kind, setKind] = useState('');
  const [tag, setTag] = useState('');
  const [pack, setPack] = useState('');
  const [sort, setSort] = useState<SortKey>('name');
  const [activeId, setActiveId] = useState<string | null>(null);
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const [anchorId, setAnchorId] = useState<string | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewHeight, setViewHeight] = useState(FALLBACK_HEIGHT);

  // Folding is the costly part of a search: done once per record, so a keystroke only compares strings.
  const rows = useMemo<Row[]>(() => {
    const titles = new Map(packs.map((p) => [p.id, p.title]));
    return entities.map((entity) => ({
      entity,
      hay: hayOf(entity),
      packTitle: entity.pack === null ? 'My own' : (titles.get(entity.pack) ?? entity.pack),
    }));
  }, [entities, packs]);
  const sorted = useMemo(() => sortRows(rows, sort), [rows, sort]);
  const tags = useMemo(() => {
    const all = new Set(entities.flatMap((e) => e.tags));
    return [...all].sort(new Intl.Collator(undefined, { sensitivity: 'base' }).compare);
  }, [entities]);
  const filtered = useMemo(() => {
    const q = foldKey(query);
    if (!q && !kind && !tag && !pack) return sorted;
    return sorted.filter(
      ({ entity: e, hay }) =>
        (!q || hay.includes(q)) &&
        (!kind || e.kind === kind) &&
        (!tag || e.tags.includes(tag)) &&
        (!pack || e.pack === (pack === OWN ? null : pack)),
    );
  }, [sorted, query, kind, tag, pack]);
  const total = filtered.length;
  const activeIndex = useMemo(
    () => (activeId === null ? -1 : filtered.findIndex((r) => r.entity.id === activeId)),
    [filtered, activeId],
  );
  const liveIds = useMemo(() => new Set(entities.map((e) => e.id)), [entities]);
  const selected = useMemo(() => [...checked].filter((x) => liveIds.has(x)), [checked, liveIds]);

  useLayoutEffect(() => {
    const el = listboxRef.current;
    if (!el) return;
    const measure = () => setViewHeight(el.clientHeight || FALLBACK_HEIGHT);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [listboxRef]);

  // A new search starts at the top of its results.
  useEffect(() => scrollToTop(0), [query, kind, tag, pack, sort]);

  /** Scrolls so that row `top` (in pixels) is the first in view. */
  function scrollToTop(top: number) {
    if (listboxRef.current) listboxRef.current.scrollTop = top;
    setScrollTop(top);
  }
  function reveal(index: number) {
    const top = listboxRef.current?.scrollTop ?? scrollTop;
    if (index * ROW_HEIGHT < top) scrollToTop(index * ROW_HEIGHT);
    else if ((index + 1) * ROW_HEIGHT > top + viewHeight) scrollToTop((index + 1) * ROW_HEIGHT - viewHeight);
  }
  function moveTo(index: number) {
    const row = filtered[index];
    if (!row) return;
    setActiveId(row.entity.id);
    reveal(index);
  }

  // The entity opened elsewhere (the address, a merge, a new save) becomes the active row, in view.
  useEffect(() => {
    if (!openId) return;
    const index = filtered.findIndex((r) => r.entity.id === openId);
    if (index >= 0) moveTo(index);
    // Only a change of the open entity moves the list; filtering must not jump back to it.
  }, [openId]);

  const toggle = (ids: string[], on: boolean) =>
    setChecked((prev) => {
      const next = new Set(prev);
      for (const x of ids)
        if (on) next.add(x);
        else next.delete(x);
      return next;
    });

  const onKeyDown = (e: KeyboardEvent) => {
    if (!total) return;
    const page = Math.max(1, Math.floor(viewHeight / ROW_HEIGHT) - 1);
    const at = activeIndex;
    const moves: Record<string, number> = {
      ArrowDown: at < 0 ? 0 : at + 1,
      ArrowUp: at < 0 ? 0 : at - 1,
      Home: 0,
      End: total - 1,
      PageDown: Math.max(at, 0) + page,
      PageUp: at - page,
    };
    const row = filtered[at];
    if (e.key in moves) {
      e.preventDefault();
      moveTo(Math.min(total - 1, Math.max(0, moves[e.key]!)));
    } else if (e.key === 'Enter' && row) {
      e.preventDefault();
      onOpen(row.entity.id, 'keyboard');
    } else if (e.key === ' ' && row) {
      e.preventDefault();
      toggle([row.entity.id], !checked.has(row.entity.id));
      setAnchorId(row.entity.id);
    }
  };

  const onRowClick = (e: MouseEvent, index: number) => {
    const rowId = filtered[index]!.entity.id;
    setActiveId(rowId);
    if (e.shiftKey && anchorId) {
      const from = filtered.findIndex((r) => r.entity.id === anchorId);
      const [a, b] = from < index ? [from, index] : [index, from];
      toggle(
        filtered.slice(Math.max(a, 0), b + 1).map((r) => r.entity.id),
        true,
      );
    } else if (e.ctrlKey || e.metaKey) {
      toggle([rowId], !checked.has(rowId));
      setAnchorId(rowId);
    } else {
      setAnchorId(rowId);
      onOpen(rowId, 'pointer');
    }
  };

  // The rows in view (plus overscan), and the active row wherever it is, so aria-activedescendant
  // always names an element that exists.
  const top = Math.min(scrollTop, Math.max(0, total * ROW_HEIGHT - viewHeight));
  const from = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const to = Math.min(total, Math.ceil((top + viewHeight) / ROW_HEIGHT) + OVERSCAN);
  const shown: number[] = [];
  for (let i = from; i < to; i++) shown.push(i);
  if (activeIndex >= 0 && (activeIndex < from || activeIndex >= to)) shown.push(activeIndex);

  const clearFilters = () => {
    setQuery('');
    setKind('');
    setTag('');
    setPack('');
  };

  return (
    <div class="entity-list">
      <div class="entity-filters">
        <div class="field entity-search">
          <label for={`${id}-q`}>Search</label>
          <input
            id={`${id}-q`}
            type="search"
            placeholder="Name, alias or tag"
            value={query}
            onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowDown' && total) {
                e.preventDefault();
                listboxRef.current?.focus();
                moveTo(0);
              }
            }}
          />
        </div>
        <Select label="Kind" value={kind} onChange={setKind}>
          <option value="">Any kind</option>
          {ENTITY_KINDS.map((k) => (
            <option key={k} value={k}>
              {KIND_LABELS[k]}
            </option>
          ))}
        </Select>
        <Select label="Tag" value={tag} onChange={setTag}>
          <option value="">Any tag</option>
          {tags.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </Select>
        <Select label="Pack" value={pack} onChange={setPack}>
          <option value="">Any pack</option>
          <option value={OWN}>My own</option>
          {packs.map((p) => (
            <option key={p.id} value={p.id}>
              {p.title}
            </option>
          ))}
        </Select>
        <Select label="Sort by" value={sort} onChange={(v) => setSort(v as SortKey)}>
          <option value="name">Name</option>
          <option value="kind">Kind</option>
          <option value="updated">Recently updated</option>
        </Select>
      </div>
      <div class="row entity-list-head">
        <p class="entity-count" aria-live="polite">
          {total.toLocaleString()} of {plural(entities.length, 'entity', 'entities')}
        </p>
        <button type="button" class="primary" onClick={onNew}>
          New entity
        </button>
      </div>
      <div
        ref={listboxRef}
        id={`${id}-list`}
        class="entity-scroller"
        role="listbox"
        aria-label="Entities"
        aria-multiselectable="true"
        aria-describedby={`${id}-keys`}
        aria-activedescendant={activeIndex >= 0 ? `${id}-row-${activeIndex}` : undefined}
        tabIndex={0}
        hidden={total === 0}
        onScroll={(e) => setScrollTop((e.currentTarget as HTMLElement).scrollTop)}
        onKeyDown={onKeyDown}
        onFocus={() => {
          if (activeIndex < 0 && total) moveTo(Math.min(total - 1, Math.ceil(top / ROW_HEIGHT)));
        }}
      >
        <div role="presentation" class="entity-spacer" style={{ height: `${total * ROW_HEIGHT}px` }}>
          {shown.map((i) => {
            const { entity: e, packTitle } = filtered[i]!;
            const isChecked = checked.has(e.id);
            const firstAliases = e.aliases.slice(0, 3).map((a) => a.text);
            const aliases = firstAliases.join(', ');
            return (
              <div
                key={e.id}
                id={`${id}-row-${i}`}
                role="option"
                aria-label={[e.name, KIND_LABELS[e.kind], aliases && `also ${aliases}`, packTitle]
                  .filter(Boolean)
                  .join(', ')}
                aria-selected={isChecked}
                aria-posinset={i + 1}
                aria-setsize={total}
                aria-current={e.id === openId ? 'true' : undefined}
                class={`entity-row${i === activeIndex ? ' active' : ''}${e.id === openId ? ' open' : ''}`}
                style={{ top: `${i * ROW_HEIGHT}px`, height: `${ROW_HEIGHT}px` }}
                onClick={(ev) => onRowClick(ev, i)}
              >
                <span
                  class={`entity-check${isChecked ? ' checked' : ''}`}
                  aria-hidden="true"
                  onClick={(ev) => {
                    ev.stopPropagation();
                    setActiveId(e.id);
                    setAnchorId(e.id);
                    toggle([e.id], !isChecked);
                  }}
                >
                  {isChecked ? '✓' : ''}
                </span>
                <span class="entity-row-name" dir="auto">
                  {e.name}
                </span>
                <span class={`kind kind-${e.kind}`}>{KIND_LABELS[e.kind]}</span>
                <span class="entity-row-meta">
                  {e.aliases.length > 0 && (
                    <>
                      {/* Each alias isolated: one written right to left, or with an override, leaves the others be. */}
                      {firstAliases.map((a, i) => (
                        <Fragment key={i}>
                          {i > 0 && ', '}
                          <bdi>{a}</bdi>
                        </Fragment>
                      ))}
                      {' · '}
                    </>
                  )}
                  <span dir="auto">{packTitle}</span>
                </span>
              </div>
            );
          })}
        </div>
      </div>
      {total === 0 &&
        (entities.length === 0 ? (
          <p class="empty">
            No entities yet. Create one with “New entity”, or{' '}
            <button type="button" class="link" onClick={onShowPacks}>
              install a pack
            </button>
            .
          </p>
        ) : (
          <p class="empty">
            No entities match.{' '}
            <button type="button" class="link" onClick={clearFilters}>
              Clear the filters
            </button>
          </p>
        ))}
      <p class="hint" id={`${id}-keys`}>
        Arrow keys move, Enter opens, Space selects for export (or Ctrl+click, Shift+click).
      </p>
      <ExportSelection
        api={api}
        selected={selected}
        onSelectShown={() =>
          toggle(
            filtered.map((r) => r.entity.id),
            true,
          )
        }
        onClear={() => setChecked(new Set())}
        canSelectShown={total > 0}
      />
    </div>
  );
}

/** Folded search text per record: a local edit replaces one record, and only that one is folded again. */
const hays = new WeakMap<EntityRecord, string>();
function hayOf(e: EntityRecord): string {
  let hay = hays.get(e);
  if (hay === undefined) {
    hay = [e.name, ...e.aliases.map((a) => a.text), ...e.tags].map(foldKey).join('\n');
    hays.set(e, hay);
  }
  return hay;
}

function sortRows(rows: Row[], sort: SortKey): Row[] {
  const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
  const byName = (a: Row, b: Row) => collator.compare(a.entity.name, b.entity.name);
  const compare: Record<SortKey, (a: Row, b: Row) => number> = {
    name: byName,
    kind: (a, b) => KIND_LABELS[a.entity.kind].localeCompare(KIND_LABELS[b.entity.kind]) || byName(a, b),
    updated: (a, b) => b.entity.updatedAt - a.entity.updatedAt || byName(a, b),
  };
  return rows.slice().sort(compare[sort]);
}

function Select(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  children: ComponentChildren;
}) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        {props.children}
      </select>
    </div>
  );
}

/** Selection bar: how many are selected, select all shown, clear, and export as a pack file. */
function ExportSelection(props: {
  api: Api;
  selected: string[];
  canSelectShown: boolean;
  onSelectShown: () => void;
  onClear: () => void;
}) {
  const { api, selected } = props;
  const [includeNotes, setIncludeNotes] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState('');
  const run = async () => {
    setBusy(true);
    setError(null);
    setDone('');
    const r = await api('pack.export', { entityIds: selected, includeNotes });
    setBusy(false);
    if (!r.ok) return setError(`Not exported: ${r.error.message}`);
    downloadJson(r.value, `backstory-selection-${localDate()}.json`);
    setDone(`Exported ${plural(selected.length, 'entity', 'entities')}.`);
  };
  return (
    <div class="entity-export" role="group" aria-label="Selection for export">
      <div class="row">
        <span>{plural(selected.length, 'entity', 'entities')} selected</span>
        <button type="button" onClick={props.onSelectShown} disabled={!props.canSelectShown}>
          Select all shown
        </button>
        <button type="button" onClick={props.onClear} disabled={selected.length === 0}>
          Clear selection
        </button>
      </div>
      <div class="row">
        <label class="row">
          <input
            type="checkbox"
            checked={includeNotes}
            onChange={(e) => setIncludeNotes((e.target as HTMLInputElement).checked)}
          />
          Include notes
        </label>
        <button type="button" onClick={() => void run()} disabled={selected.length === 0 || busy}>
          {busy ? 'Exporting…' : 'Export selected'}
        </button>
      </div>
      <p role="status" class="muted">
        {done}
      </p>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </div>
  );
}
