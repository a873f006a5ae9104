import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { comparePartialDates, PARTIAL_DATE, type EventRecord } from '../../lib/model';
import { foldKey, isolate } from '../../lib/text';
import { plural } from '../ui/api';
import EventEditor from './EventEditor';
import type { PanelProps } from './types';
import './panels.css';

/** "2020", "March 2020", "11 March 2020" (in the reader's locale); anything else as written. */
export function formatPartialDate(date: string): string {
  if (!PARTIAL_DATE.test(date)) return date;
  const [year, month, day] = date.split('-').map(Number);
  const at = new Date(0);
  at.setUTCFullYear(year!, (month ?? 1) - 1, day ?? 1); // setUTCFullYear keeps years below 100 as written
  const options: Intl.DateTimeFormatOptions =
    month === undefined
      ? { year: 'numeric' }
      : day === undefined
        ? { year: 'numeric', month: 'long' }
        : { year: 'numeric', month: 'long', day: 'numeric' };
  return new Intl.DateTimeFormat(undefined, { ...options, timeZone: 'UTC' }).format(at);
}

/** The list with `event` in it (replaced, or added), oldest first. */
function upsert(events: EventRecord[], event: EventRecord): EventRecord[] {
  const list = events.filter((e) => e.id !== event.id);
  list.push(event);
  return list.sort((a, b) => comparePartialDates(a.date, b.date));
}

type Loaded =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | { state: 'ready'; events: EventRecord[]; names: Map<string, string> };

/** The events panel: every event (filterable, either order) beside the editor of the one open. */
export default function EventsPanel({ api, revision, offerUndo, focusId, navigate }: PanelProps) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  // Bumped after this panel's own writes (the page's revision also follows them, but not in tests).
  const [tick, setTick] = useState(0);
  const [open, setOpen] = useState<string | null>(focusId);
  const [filter, setFilter] = useState('');
  const [newestFirst, setNewestFirst] = useState(false);
  const [notice, setNotice] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => setOpen(focusId), [focusId]);

  useEffect(() => {
    let current = true;
    void Promise.all([api('events.list', {}), api('entities.list', {})]).then(([events, entities]) => {
      if (!current) return;
      if (!events.ok || !entities.ok) {
        const error = !events.ok ? events.error : !entities.ok ? entities.error : null;
        setLoaded({ state: 'error', message: error?.message ?? 'The events could not be loaded.' });
        return;
      }
      setLoaded({
        state: 'ready',
        events: events.value,
        names: new Map(entities.value.map((e) => [e.id, e.name])),
      });
    });
    return () => {
      current = false;
    };
  }, [api, revision, tick]);

  const shown = useMemo(() => {
    if (loaded.state !== 'ready') return [];
    const q = foldKey(filter.trim());
    const list = q
      ? loaded.events.filter((e) =>
          [e.title, e.date, e.place ? (loaded.names.get(e.place) ?? '') : ''].some((t) => foldKey(t).includes(q)),
        )
      : loaded.events;
    return newestFirst ? [...list].reverse() : list;
  }, [loaded, filter, newestFirst]);

  const choose = (id: string | null) => {
    setNotice('');
    setOpen(id);
  };

  const onDeleted = (event: EventRecord) => {
    setOpen(null);
    setTick((t) => t + 1);
    heading.current?.focus();
    offerUndo({
      message: `Event “${isolate(event.title)}” deleted.`,
      undo: async () => {
        const r = await api('record.restore', { type: 'event', id: event.id });
        setTick((t) => t + 1);
        return r.ok ? null : r.error.message;
      },
    });
  };

  const opened = loaded.state === 'ready' && open && open !== 'new' ? loaded.events.find((e) => e.id === open) : null;

  return (
    <section class="panel" aria-labelledby="events-title">
      <div class="panel-head">
        <h2 id="events-title" ref={heading} tabIndex={-1}>
          Events
        </h2>
        <button type="button" class="primary" onClick={() => choose('new')}>
          New event
        </button>
      </div>
      {loaded.state === 'loading' && (
        <p role="status" class="muted">
          Loading events…
        </p>
      )}
      {loaded.state === 'error' && (
        <p role="alert" class="error">
          {loaded.message}
        </p>
      )}
      {loaded.state === 'ready' && (
        <div class="split">
          <div class="split-list">
            <div class="row list-tools">
              <label class="visually-hidden" for="events-filter">
                Filter events
              </label>
              <input
                id="events-filter"
                type="search"
                placeholder="Filter events"
                value={filter}
                onInput={(e) => setFilter(e.currentTarget.value)}
              />
              <label class="check">
                <input
                  type="checkbox"
                  checked={newestFirst}
                  onChange={(e) => setNewestFirst(e.currentTarget.checked)}
                />
                Newest first
              </label>
            </div>
            <p class="muted count" role="status">
              {shown.length === loaded.events.length
                ? plural(shown.length, 'event')
                : `${shown.length.toLocaleString()} of ${plural(loaded.events.length, 'event')}`}
            </p>
            {loaded.events.length === 0 ? (
              <p class="empty">No events yet. Import a pack or add one with “New event”.</p>
            ) : shown.length === 0 ? (
              <p class="empty">No event matches “{isolate(filter)}”.</p>
            ) : (
              <ul class="record-list" aria-label="Events">
                {shown.map((e) => (
                  <li key={e.id}>
                    <button
                      type="button"
                      aria-current={open === e.id ? 'true' : undefined}
                      onClick={() => choose(e.id)}
                    >
                      <time dateTime={e.date} class="muted">
                        {formatPartialDate(e.date)}
                        {e.endDate && ` – ${formatPartialDate(e.endDate)}`}
                      </time>
                      <span class="record-title" dir="auto">
                        {e.title}
                      </span>
                      {e.place && (
                        <span class="muted" dir="auto">
                          {loaded.names.get(e.place) ?? 'a deleted entity'}
                        </span>
                      )}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div class="split-detail">
            {notice && (
              <p role="status" class="ok">
                {notice}
              </p>
            )}
            {(open === 'new' || opened) && (
              <EventEditor
                key={open}
                api={api}
                event={opened ?? null}
                names={loaded.names}
                onSaved={(saved, created) => {
                  setNotice(`Event “${isolate(saved.title)}” ${created ? 'added' : 'saved'}.`);
                  // Shown at once; the reload that follows brings the list in step with the store.
                  setLoaded({ ...loaded, events: upsert(loaded.events, saved) });
                  setOpen(saved.id);
                  setTick((t) => t + 1);
                }}
                onDeleted={onDeleted}
                onClose={() => {
                  choose(null);
                  heading.current?.focus();
                }}
                onShowNotes={(id) => navigate({ panel: 'notes', id })}
              />
            )}
            {open && open !== 'new' && !opened && (
              <p class="empty">This event is not in the store any more (it may have been deleted).</p>
            )}
            {!open && <p class="empty">Choose an event to see and edit it.</p>}
          </div>
        </div>
      )}
    </section>
  );
}
