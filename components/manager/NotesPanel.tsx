import { useEffect, useId, useMemo, useRef, useState } from 'preact/hooks';
import type { EntityKind, NoteRecord } from '../../lib/model';
import { foldKey, isolate } from '../../lib/text';
import SafeLink from '../card/SafeLink';
import { isLong, shownText } from '../ui/clamp';
import type { UndoOffer } from '../ui/Undo';
import { RecordPicker, type PickedRecord } from '../ui/RecordPicker';
import { fieldErrors, plural, type Api } from '../ui/api';
import type { PanelProps, Route } from './types';
import './panels.css';

/** How many notes are rendered at once (a store may hold tens of thousands). */
const PAGE = 200;

interface About {
  type: 'entity' | 'event';
  name: string;
  kind?: EntityKind;
}

type Loaded =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | { state: 'ready'; notes: NoteRecord[]; about: Map<string, About> };

const moment = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const when = (ms: number) => <time dateTime={new Date(ms).toISOString()}>{moment.format(ms)}</time>;

/**
 * Every note, newest first, with what each is about: filter, edit in place, delete (with undo), add.
 * With a `focusId` (from an event's "Show its notes"), only the notes about that record.
 */
export default function NotesPanel({ api, revision, offerUndo, focusId, navigate }: PanelProps) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  // Bumped after this panel's own writes (the page's revision also follows them, but not in tests).
  const [tick, setTick] = useState(0);
  const [filter, setFilter] = useState('');
  const [limit, setLimit] = useState(PAGE);
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const newButton = useRef<HTMLButtonElement>(null);
  const reload = () => setTick((t) => t + 1);

  useEffect(() => {
    let current = true;
    void Promise.all([api('notes.list', {}), api('entities.list', {}), api('events.list', {})]).then(
      ([notes, entities, events]) => {
        if (!current) return;
        if (!notes.ok || !entities.ok || !events.ok) {
          const failed = [notes, entities, events].find((r) => !r.ok);
          setLoaded({ state: 'error', message: failed && !failed.ok ? failed.error.message : '' });
          return;
        }
        const about = new Map<string, About>();
        for (const e of entities.value) about.set(e.id, { type: 'entity', name: e.name, kind: e.kind });
        for (const e of events.value) about.set(e.id, { type: 'event', name: e.title });
        setLoaded({ state: 'ready', notes: notes.value, about });
      },
    );
    return () => {
      current = false;
    };
  }, [api, revision, tick]);

  useEffect(() => setLimit(PAGE), [filter, focusId]);

  // Folded texts are computed once per load, when filtering starts.
  const filtering = filter.trim() !== '';
  const folded = useMemo(
    () => (loaded.state === 'ready' && filtering ? loaded.notes.map((n) => foldKey(n.text)) : null),
    [loaded, filtering],
  );
  const shown = useMemo(() => {
    if (loaded.state !== 'ready') return [];
    const q = foldKey(filter.trim());
    return loaded.notes.filter((n, i) => (!focusId || n.aboutId === focusId) && (!folded || folded[i]!.includes(q)));
  }, [loaded, folded, filter, focusId]);

  const focusAbout = loaded.state === 'ready' && focusId ? loaded.about.get(focusId) : undefined;

  return (
    <section class="panel" aria-labelledby="notes-title">
      <div class="panel-head">
        <h2 id="notes-title" ref={heading} tabIndex={-1}>
          Notes
        </h2>
        {!adding && (
          <button
            type="button"
            class="primary"
            ref={newButton}
            onClick={() => {
              setNotice('');
              setAdding(true);
            }}
          >
            New note
          </button>
        )}
      </div>
      {adding && (
        <NewNoteForm
          api={api}
          onDone={(saved) => {
            setAdding(false);
            if (saved) {
              setNotice('Note added.');
              reload();
            }
            // The button is back after this render.
            setTimeout(() => newButton.current?.focus());
          }}
        />
      )}
      {notice && (
        <p role="status" class="ok">
          {notice}
        </p>
      )}
      {loaded.state === 'loading' && (
        <p role="status" class="muted">
          Loading notes…
        </p>
      )}
      {loaded.state === 'error' && (
        <p role="alert" class="error">
          {loaded.message || 'The notes could not be loaded.'}
        </p>
      )}
      {loaded.state === 'ready' && (
        <>
          {focusId && (
            <p class="row">
              <span dir="auto">
                Notes about {focusAbout ? `“${isolate(focusAbout.name)}”` : 'a deleted record'} only.
              </span>
              <button type="button" class="link" onClick={() => navigate({ panel: 'notes' })}>
                Show all notes
              </button>
            </p>
          )}
          <div class="list-tools">
            <label class="visually-hidden" for="notes-filter">
              Filter notes
            </label>
            <input
              id="notes-filter"
              type="search"
              placeholder="Filter notes"
              value={filter}
              onInput={(e) => setFilter(e.currentTarget.value)}
            />
          </div>
          <p class="muted count" role="status">
            {shown.length > limit
              ? `Showing ${limit.toLocaleString()} of ${plural(shown.length, 'note')}`
              : plural(shown.length, 'note')}
          </p>
          {loaded.notes.length === 0 ? (
            <p class="empty">No notes yet. Write one with “New note”, or from a hover card.</p>
          ) : shown.length === 0 ? (
            <p class="empty">No note matches{filtering ? ` “${isolate(filter)}”` : ''}.</p>
          ) : (
            <ul class="note-list" aria-label="Notes">
              {shown.slice(0, limit).map((n) => (
                <NoteItem
                  key={n.id}
                  api={api}
                  note={n}
                  about={loaded.about.get(n.aboutId)}
                  navigate={navigate}
                  onSaved={reload}
                  onDeleted={(undo) => {
                    reload();
                    heading.current?.focus();
                    offerUndo(undo);
                  }}
                />
              ))}
            </ul>
          )}
          {shown.length > limit && (
            <button type="button" onClick={() => setLimit((l) => l + PAGE)}>
              Show {Math.min(PAGE, shown.length - limit).toLocaleString()} more
            </button>
          )}
        </>
      )}
    </section>
  );
}

interface NoteItemProps {
  api: Api;
  note: NoteRecord;
  about: About | undefined;
  navigate: (route: Route) => void;
  onSaved: () => void;
  onDeleted: (undo: UndoOffer) => void;
}

function NoteItem({ api, note, about, navigate, onSaved, onDeleted }: NoteItemProps) {
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [expanded, setExpanded] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const long = isLong(note.text);
  const target = about ? `“${isolate(about.name)}”` : `a deleted ${note.about.type}`;

  const stopEditing = () => {
    setEditing(false);
    setError(null);
    // The button is back after this render.
    setTimeout(() => editButton.current?.focus());
  };

  const save = async (text: string) => {
    if (!text.trim()) {
      setError('A note cannot be empty: write something, or delete the note.');
      return;
    }
    setBusy(true);
    const r = await api('note.save', { id: note.id, note: { about: note.about, text, page: note.page } });
    setBusy(false);
    if (!r.ok) return setError(`Not saved: ${r.error.message}`);
    stopEditing();
    onSaved();
  };

  const remove = async () => {
    setBusy(true);
    const r = await api('note.delete', { id: note.id });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    onDeleted({
      message: 'Note deleted.',
      undo: async () => {
        const back = await api('record.restore', { type: 'note', id: note.id });
        if (back.ok) onSaved();
        return back.ok ? null : back.error.message;
      },
    });
  };

  return (
    <li class="note-item">
      <article aria-labelledby={`${id}-about`}>
        <p class="note-about" id={`${id}-about`}>
          <span class="muted">About </span>
          {about ? (
            <button
              type="button"
              class="link"
              dir="auto"
              onClick={() => navigate({ panel: about.type === 'entity' ? 'entities' : 'events', id: note.aboutId })}
            >
              {about.name}
            </button>
          ) : (
            <span class="muted">a deleted {note.about.type}</span>
          )}{' '}
          {about && <span class={`kind kind-${about.kind ?? 'event'}`}>{about.kind ?? 'event'}</span>}
        </p>
        {editing ? (
          <NoteTextForm
            label={`Edit note about ${target}`}
            initial={note.text}
            busy={busy}
            error={error}
            onSave={(text) => void save(text)}
            onCancel={stopEditing}
            onChange={() => setError(null)}
          />
        ) : (
          <>
            <p id={`${id}-text`} class={`note-text${long && !expanded ? ' clamped' : ''}`} dir="auto">
              {shownText(note.text, expanded)}
            </p>
            {long && (
              <button
                type="button"
                class="link"
                aria-expanded={expanded}
                aria-controls={`${id}-text`}
                onClick={() => setExpanded(!expanded)}
              >
                {expanded ? 'Show less' : 'Show more'}
              </button>
            )}
          </>
        )}
        {note.page && (
          <div class="note-source">
            <p>
              <span class="muted">From </span>
              <SafeLink link={note.page} />
            </p>
            {note.page.quote && <blockquote dir="auto">{note.page.quote}</blockquote>}
          </div>
        )}
        <p class="muted note-dates">
          Written {when(note.createdAt)}
          {note.updatedAt !== note.createdAt && <> · edited {when(note.updatedAt)}</>}
        </p>
        {!editing && (
          <>
            {error && (
              <p role="alert" class="error">
                {error}
              </p>
            )}
            <div class="actions">
              <button type="button" ref={editButton} disabled={busy} onClick={() => setEditing(true)}>
                Edit<span class="visually-hidden"> note about {target}</span>
              </button>
              <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
                Delete<span class="visually-hidden"> note about {target}</span>
              </button>
            </div>
          </>
        )}
      </article>
    </li>
  );
}

interface NoteTextFormProps {
  label: string;
  initial: string;
  busy: boolean;
  /** Shown under the textarea (and announced). */
  error: string | null;
  onSave: (text: string) => void;
  onCancel: () => void;
  onChange?: () => void;
}

/** A textarea with Save and Cancel: Ctrl/Cmd+Enter saves, Esc cancels. Focused when it appears. */
function NoteTextForm({ label, initial, busy, error, onSave, onCancel, onChange }: NoteTextFormProps) {
  const id = useId();
  const [text, setText] = useState(initial);
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = area.current;
    el?.focus();
    el?.setSelectionRange(el.value.length, el.value.length);
  }, []);
  return (
    <form
      class="note-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        onSave(text);
      }}
    >
      <label class="visually-hidden" for={`${id}-text`}>
        {label}
      </label>
      <textarea
        ref={area}
        id={`${id}-text`}
        dir="auto"
        rows={Math.min(12, Math.max(3, text.split('\n').length + 1))}
        value={text}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        aria-keyshortcuts="Control+Enter Meta+Enter"
        onInput={(e) => {
          setText(e.currentTarget.value);
          onChange?.();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onCancel();
          } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            onSave(text);
          }
        }}
      />
      {error && (
        <p role="alert" class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <span class="hint">Ctrl+Enter saves, Esc cancels.</span>
      </div>
    </form>
  );
}

/** "New note": what it is about (any entity or event) and its text. */
function NewNoteForm({ api, onDone }: { api: Api; onDone: (saved: boolean) => void }) {
  const id = useId();
  const [about, setAbout] = useState<PickedRecord | null>(null);
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<{ about?: string; text?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);
  const alert = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (errors.form) alert.current?.focus();
  }, [errors]);

  const save = async () => {
    const local = {
      ...(about ? {} : { about: 'Choose the entity or event this note is about.' }),
      ...(text.trim() ? {} : { text: 'Write the note first.' }),
    };
    if (local.about || local.text) {
      setErrors({ ...local, form: `Not saved: ${local.about ?? local.text}` });
      return;
    }
    setBusy(true);
    const r = await api('note.save', { note: { about: { type: about!.type, id: about!.id }, text, page: null } });
    setBusy(false);
    if (!r.ok) {
      const fields = fieldErrors(r.error);
      setErrors({
        about: fields['about.id'] ?? fields['about'],
        text: fields['text'],
        form: `Not saved: ${r.error.message.replace(/^Not saved:\s*/, '')}`,
      });
      return;
    }
    onDone(true);
  };

  return (
    <form
      class="editor new-note"
      aria-labelledby={`${id}-heading`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !e.defaultPrevented) {
          e.preventDefault();
          onDone(false);
        } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          void save();
        }
      }}
    >
      <h3 id={`${id}-heading`}>New note</h3>
      {errors.form && (
        <p role="alert" class="error form-alert" ref={alert} tabIndex={-1}>
          {errors.form}
        </p>
      )}
      <div class={`field${errors.about ? ' invalid' : ''}`}>
        {about ? (
          <>
            <span class="field-label" id={`${id}-about`}>
              About
            </span>
            <span class="chip" role="group" aria-labelledby={`${id}-about`}>
              <span dir="auto">{about.title}</span>
              <button
                type="button"
                class="icon"
                aria-label={`Remove ${about.title}`}
                onClick={() => {
                  setAbout(null);
                  setTimeout(() => document.getElementById(`${id}-picker`)?.querySelector('input')?.focus());
                }}
              >
                ×
              </button>
            </span>
          </>
        ) : (
          <div id={`${id}-picker`}>
            <RecordPicker
              api={api}
              label="About"
              types={['entity', 'event']}
              placeholder="Search entities and events…"
              autoFocus
              describedBy={errors.about ? `${id}-about-error` : undefined}
              invalid={!!errors.about}
              onPick={(r) => {
                setAbout(r);
                setErrors((e) => ({ ...e, about: undefined }));
              }}
            />
          </div>
        )}
        {errors.about && (
          <p class="field-error" id={`${id}-about-error`}>
            {errors.about}
          </p>
        )}
      </div>
      <div class={`field${errors.text ? ' invalid' : ''}`}>
        <label for={`${id}-text`}>Note</label>
        <textarea
          id={`${id}-text`}
          dir="auto"
          rows={4}
          value={text}
          aria-invalid={errors.text ? true : undefined}
          aria-describedby={errors.text ? `${id}-text-error` : undefined}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        {errors.text && (
          <p class="field-error" id={`${id}-text-error`}>
            {errors.text}
          </p>
        )}
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Add note'}
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
