import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { EventLink, EventRecord, Link } from '../../lib/model';
import { isolate } from '../../lib/text';
import type { AppError } from '../../lib/result';
import { Field } from '../ui/Field';
import { RecordPicker } from '../ui/RecordPicker';
import { fieldErrors, plural, type Api } from '../ui/api';

export interface EventEditorProps {
  api: Api;
  /** The event to edit, or null for a new one. */
  event: EventRecord | null;
  /** Entity names by id, for the place and the linked entities. */
  names: ReadonlyMap<string, string>;
  onSaved: (event: EventRecord, created: boolean) => void;
  onDeleted: (event: EventRecord) => void;
  onClose: () => void;
  /** Opens the notes panel on the notes about this event. */
  onShowNotes: (id: string) => void;
}

interface Draft {
  title: string;
  date: string;
  endDate: string;
  place: string | null;
  summary: string;
  sources: Link[];
  entities: EventLink[];
}

const draftOf = (e: EventRecord | null): Draft => ({
  title: e?.title ?? '',
  date: e?.date ?? '',
  endDate: e?.endDate ?? '',
  place: e?.place ?? null,
  summary: e?.summary ?? '',
  sources: e?.sources.map((s) => ({ ...s })) ?? [],
  entities: e?.entities.map((l) => ({ ...l })) ?? [],
});

const DATE_HINT = '2020, 2020-03 or 2020-03-11';
const LABELS: Record<string, string> = {
  title: 'Title',
  date: 'Date',
  endDate: 'End date',
  place: 'Place',
  summary: 'Summary',
};

/**
 * Edits one event: title, dates, place, the entities involved with their roles, summary and sources.
 * The store validates; its messages appear next to the fields they are about, and a focused alert
 * says the event was not saved. Esc closes (asking first when there are unsaved changes).
 */
export default function EventEditor({ api, event, names, onSaved, onDeleted, onClose, onShowNotes }: EventEditorProps) {
  const id = useId();
  const [draft, setDraft] = useState<Draft>(() => draftOf(event));
  const [saved, setSaved] = useState<Draft>(() => draftOf(event));
  // Names of entities picked here, which the panel's list may not know yet.
  const [picked, setPicked] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmClose, setConfirmClose] = useState(false);
  const [notes, setNotes] = useState<number | null>(null);
  const [focusTarget, setFocusTarget] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const titleInput = useRef<HTMLInputElement>(null);
  const alert = useRef<HTMLParagraphElement>(null);
  const keepEditing = useRef<HTMLButtonElement>(null);

  // On opening (the panel remounts the editor for each event): the heading, or the first field of a new one.
  useEffect(() => (event ? heading : titleInput).current?.focus(), []);

  useEffect(() => {
    if (!event) return;
    let current = true;
    void api('notes.about', { id: event.id }).then((r) => current && setNotes(r.ok ? r.value.length : null));
    return () => {
      current = false;
    };
  }, [api, event]);

  useEffect(() => {
    if (error) alert.current?.focus();
  }, [error]);
  useEffect(() => {
    if (confirmClose) keepEditing.current?.focus();
  }, [confirmClose]);
  // Moves focus to a control that was just added or revealed (a role, a source row, a picker).
  useEffect(() => {
    if (!focusTarget) return;
    const el = document.getElementById(focusTarget);
    (el?.querySelector('input') ?? el)?.focus();
    setFocusTarget(null);
  }, [focusTarget]);

  const nameOf = (entityId: string) => picked.get(entityId) ?? names.get(entityId) ?? 'a deleted entity';
  const errors = fieldErrors(error);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const dirty = JSON.stringify(draft) !== JSON.stringify(saved);

  const labelOf = (path: string) => {
    const row = /^(sources|entities)\[(\d+)\]\.(\w+)/.exec(path);
    if (!row) return LABELS[path.split('.')[0]!] ?? path;
    const i = Number(row[2]);
    if (row[1] === 'sources') return `Source ${i + 1} ${row[3] === 'url' ? 'URL' : 'title'}`;
    return `Role of ${nameOf(draft.entities[i]?.entity ?? '')}`;
  };

  const save = async () => {
    if (busy) return;
    // Rows left entirely blank are dropped (before sending, so error paths match the rows shown).
    const sources = draft.sources.filter((s) => s.url.trim() || s.title.trim());
    const clean = { ...draft, sources };
    setDraft(clean);
    setBusy(true);
    const r = await api('event.save', {
      ...(event ? { id: event.id } : {}),
      event: {
        title: clean.title,
        date: clean.date.trim(),
        endDate: clean.endDate.trim() || null,
        place: clean.place,
        summary: clean.summary,
        sources: sources.map((s) => ({ url: s.url.trim(), title: s.title.trim() })),
        entities: clean.entities,
      },
    });
    setBusy(false);
    if (!r.ok) {
      setError(r.error);
      return;
    }
    setError(null);
    setSaved(clean);
    onSaved(r.value, !event);
  };

  const remove = async () => {
    if (!event || busy) return;
    setBusy(true);
    const r = await api('event.delete', { id: event.id });
    setBusy(false);
    if (r.ok) onDeleted(event);
    else setError(r.error);
  };

  const close = () => (dirty ? setConfirmClose(true) : onClose());

  const alertText = () => {
    if (!error) return '';
    const first = error.issues?.[0];
    if (!first) return `Not saved: ${error.message.replace(/^Not saved:\s*/, '')}`;
    const path = first.path.replace(/^event\./, '');
    const more = error.issues!.length > 1 ? ` (and ${plural(error.issues!.length - 1, 'more problem')})` : '';
    return `Not saved: ${labelOf(path)}: ${first.message}${more}.`;
  };

  const addEntity = (entityId: string, name: string) => {
    if (draft.entities.some((l) => l.entity === entityId)) return;
    setPicked((m) => new Map(m).set(entityId, name));
    set('entities', [...draft.entities, { entity: entityId, role: '' }]);
    setFocusTarget(`${id}-role-${draft.entities.length}`);
  };

  return (
    <form
      class="editor"
      aria-labelledby={`${id}-heading`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !e.defaultPrevented) {
          e.preventDefault();
          if (confirmClose) setConfirmClose(false);
          else close();
        }
      }}
    >
      <h3 id={`${id}-heading`} ref={heading} tabIndex={-1} dir="auto" class="title-clamp">
        {event ? `Edit “${isolate(event.title)}”` : 'New event'}
      </h3>
      {error && (
        <p role="alert" class="error form-alert" ref={alert} tabIndex={-1}>
          {alertText()}
        </p>
      )}
      <Field label="Title" error={errors.title}>
        {(ids) => (
          <input
            {...ids}
            ref={titleInput}
            type="text"
            dir="auto"
            value={draft.title}
            onInput={(e) => set('title', e.currentTarget.value)}
          />
        )}
      </Field>
      <div class="field-pair">
        <Field label="Date" hint={DATE_HINT} error={errors.date}>
          {(ids) => (
            <input
              {...ids}
              type="text"
              inputMode="numeric"
              value={draft.date}
              onInput={(e) => set('date', e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="End date (optional)" hint={DATE_HINT} error={errors.endDate}>
          {(ids) => (
            <input
              {...ids}
              type="text"
              inputMode="numeric"
              value={draft.endDate}
              onInput={(e) => set('endDate', e.currentTarget.value)}
            />
          )}
        </Field>
      </div>

      <div class={`field${errors.place ? ' invalid' : ''}`}>
        {draft.place ? (
          <>
            <span class="field-label" id={`${id}-place`}>
              Place
            </span>
            <span class="chip" role="group" aria-labelledby={`${id}-place`}>
              <span dir="auto">{nameOf(draft.place)}</span>
              <button
                type="button"
                class="icon"
                aria-label={`Remove place ${nameOf(draft.place)}`}
                onClick={() => {
                  set('place', null);
                  setFocusTarget(`${id}-place-picker`);
                }}
              >
                ×
              </button>
            </span>
          </>
        ) : (
          <div id={`${id}-place-picker`}>
            <RecordPicker
              api={api}
              label="Place"
              placeholder="Search places…"
              describedBy={errors.place ? `${id}-place-error` : undefined}
              onPick={(r) => {
                setPicked((m) => new Map(m).set(r.id, r.title));
                set('place', r.id);
              }}
            />
          </div>
        )}
        {errors.place && (
          <p class="field-error" id={`${id}-place-error`}>
            {errors.place}
          </p>
        )}
      </div>

      <fieldset>
        <legend>Entities involved</legend>
        {draft.entities.length === 0 ? (
          <p class="muted">None yet.</p>
        ) : (
          <ul class="link-rows">
            {draft.entities.map((l, i) => {
              const name = nameOf(l.entity);
              const roleError = errors[`entities[${i}].role`] ?? errors[`entities[${i}].entity`];
              return (
                <li key={l.entity} class="link-row">
                  <span class="link-name" dir="auto">
                    {name}
                  </span>
                  <label class="visually-hidden" for={`${id}-role-${i}`}>
                    Role of {isolate(name)}
                  </label>
                  <input
                    id={`${id}-role-${i}`}
                    type="text"
                    dir="auto"
                    placeholder="role, e.g. target"
                    value={l.role}
                    aria-invalid={roleError ? true : undefined}
                    aria-describedby={roleError ? `${id}-role-${i}-error` : undefined}
                    onInput={(e) => {
                      const role = e.currentTarget.value;
                      set(
                        'entities',
                        draft.entities.map((x, j) => (j === i ? { ...x, role } : x)),
                      );
                    }}
                  />
                  <button
                    type="button"
                    class="icon"
                    aria-label={`Remove ${name}`}
                    onClick={() => {
                      set(
                        'entities',
                        draft.entities.filter((_, j) => j !== i),
                      );
                      setFocusTarget(`${id}-entity-picker`);
                    }}
                  >
                    ×
                  </button>
                  {roleError && (
                    <p class="field-error" id={`${id}-role-${i}-error`}>
                      {roleError}
                    </p>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        <div id={`${id}-entity-picker`}>
          <RecordPicker
            api={api}
            label="Add an entity"
            placeholder="Search people, places, groups…"
            exclude={draft.entities.map((l) => l.entity)}
            onPick={(r) => addEntity(r.id, r.title)}
          />
        </div>
      </fieldset>

      <Field label="Summary" error={errors.summary}>
        {(ids) => (
          <textarea
            {...ids}
            dir="auto"
            rows={4}
            value={draft.summary}
            onInput={(e) => set('summary', e.currentTarget.value)}
          />
        )}
      </Field>

      <fieldset>
        <legend>Sources</legend>
        {draft.sources.length === 0 && <p class="muted">No sources yet.</p>}
        {draft.sources.map((s, i) => {
          const edit = (patch: Partial<Link>) =>
            set(
              'sources',
              draft.sources.map((x, j) => (j === i ? { ...x, ...patch } : x)),
            );
          return (
            <div key={i} class="source-row" id={`${id}-source-${i}`}>
              <Field label={`Source ${i + 1} URL`} error={errors[`sources[${i}].url`]}>
                {(ids) => (
                  <input
                    {...ids}
                    type="url"
                    placeholder="https://"
                    value={s.url}
                    onInput={(e) => edit({ url: e.currentTarget.value })}
                  />
                )}
              </Field>
              <Field label={`Source ${i + 1} title`} error={errors[`sources[${i}].title`]}>
                {(ids) => (
                  <input
                    {...ids}
                    type="text"
                    dir="auto"
                    value={s.title}
                    onInput={(e) => edit({ title: e.currentTarget.value })}
                  />
                )}
              </Field>
              <button
                type="button"
                class="icon"
                aria-label={`Remove source ${i + 1}`}
                onClick={() =>
                  set(
                    'sources',
                    draft.sources.filter((_, j) => j !== i),
                  )
                }
              >
                ×
              </button>
            </div>
          );
        })}
        <button
          type="button"
          onClick={() => {
            set('sources', [...draft.sources, { url: '', title: '' }]);
            setFocusTarget(`${id}-source-${draft.sources.length}`);
          }}
        >
          Add source
        </button>
      </fieldset>

      {event && (
        <p class="row">
          <span>{notes === null ? 'Notes: …' : plural(notes, 'note') + ' about this event.'}</span>
          {notes !== null && notes > 0 && (
            <button type="button" class="link" onClick={() => onShowNotes(event.id)}>
              Show its notes
            </button>
          )}
        </p>
      )}

      {confirmClose ? (
        <div class="actions confirm" role="group" aria-labelledby={`${id}-confirm`}>
          <span id={`${id}-confirm`}>Discard your unsaved changes?</span>
          <button type="button" class="danger" onClick={onClose}>
            Discard changes
          </button>
          <button type="button" ref={keepEditing} onClick={() => setConfirmClose(false)}>
            Keep editing
          </button>
        </div>
      ) : (
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : event ? 'Save' : 'Add event'}
          </button>
          <button type="button" onClick={close}>
            {dirty ? 'Cancel' : 'Close'}
          </button>
          {event && (
            <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
              Delete event
            </button>
          )}
        </div>
      )}
    </form>
  );
}
