import { useEffect, useRef, useState } from 'preact/hooks';
import { isSafeUrl, type NoteRecord } from '../../lib/model';
import { isLong, shownText } from '../ui/clamp';
import { formatMoment, formatRelativeTime, hostOf, isoTime } from '../card/format';
import { fieldErrors, type Api } from '../ui/api';
import { Field } from '../ui/Field';
import { managerHash, sentence } from './env';

export interface NoteItemProps {
  api: Api;
  note: NoteRecord;
  /** The title of what the note is about: undefined while it is looked up, null when it was deleted. */
  about: string | null | undefined;
  editing: boolean;
  setEditing: (editing: boolean) => void;
  openManager: (hash: string) => void;
  /** After a successful edit. */
  onSaved: () => void;
  /** After a successful delete (the list offers undo). */
  onDeleted: (note: NoteRecord) => void;
  now: number;
}

/** One recent note: its text, what it is about, when; Edit in place and Delete. */
export function NoteItem({
  api,
  note,
  about,
  editing,
  setEditing,
  openManager,
  onSaved,
  onDeleted,
  now,
}: NoteItemProps) {
  const [expanded, setExpanded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(editing);
  const textId = `note-${note.id}-text`;
  const long = isLong(note.text);

  // Focus goes back to Edit when the editor closes.
  useEffect(() => {
    if (wasEditing.current && !editing) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  const remove = async () => {
    setDeleting(true);
    setError(null);
    const r = await api('note.delete', { id: note.id });
    setDeleting(false);
    if (r.ok) onDeleted(note);
    else setError(r.error.message);
  };

  const what = note.about.type;
  return (
    <li class="note" id={`note-${note.id}`}>
      {editing ? (
        <NoteEditor
          api={api}
          note={note}
          onCancel={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            onSaved();
          }}
        />
      ) : (
        <>
          <p id={textId} class={`note-text${long && !expanded ? ' clamped' : ''}`} dir="auto">
            {shownText(note.text, expanded)}
          </p>
          {long && (
            <button
              type="button"
              class="link small"
              aria-expanded={expanded}
              aria-controls={textId}
              onClick={() => setExpanded(!expanded)}
            >
              {expanded ? 'Show less' : 'Show more'}
            </button>
          )}
        </>
      )}
      <p class="note-meta muted small">
        {about === undefined ? (
          <span>about …</span>
        ) : about === null ? (
          <span>about a deleted {what}</span>
        ) : (
          <span>
            about{' '}
            <button
              type="button"
              class="link"
              dir="auto"
              title={`Open in the manager`}
              onClick={() => openManager(managerHash(what, note.about.id))}
            >
              {about}
            </button>
          </span>
        )}
        {' · '}
        <time dateTime={isoTime(note.updatedAt)} title={formatMoment(note.updatedAt)}>
          {formatRelativeTime(note.updatedAt, now)}
        </time>
        {note.page && isSafeUrl(note.page.url) && (
          <>
            {' · '}
            <a href={note.page.url} target="_blank" rel="noopener noreferrer" title={note.page.title || note.page.url}>
              {hostOf(note.page.url)}
            </a>
          </>
        )}
      </p>
      {error && (
        <p role="alert" class="error small">
          {error}
        </p>
      )}
      {!editing && (
        <div class="note-actions">
          <button type="button" ref={editButton} aria-describedby={textId} onClick={() => setEditing(true)}>
            Edit
          </button>
          <button
            type="button"
            class="danger"
            aria-describedby={textId}
            disabled={deleting}
            onClick={() => void remove()}
          >
            Delete
          </button>
        </div>
      )}
    </li>
  );
}

/** The note's text in a textarea: Save (or Ctrl/Cmd+Enter), Cancel (or Esc). */
function NoteEditor({
  api,
  note,
  onCancel,
  onSaved,
}: {
  api: Api;
  note: NoteRecord;
  onCancel: () => void;
  onSaved: () => void;
}) {
  const [text, setText] = useState(note.text);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<{ text?: string | undefined; form?: string | undefined }>({});
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const el = box.current;
    el?.focus();
    el?.setSelectionRange(el.value.length, el.value.length);
  }, []);

  const save = async () => {
    if (saving) return;
    setSaving(true);
    const r = await api('note.save', { id: note.id, note: { about: note.about, text, page: note.page } });
    setSaving(false);
    if (r.ok) return onSaved();
    const textError = fieldErrors(r.error).text;
    setError(textError ? { text: sentence(textError) } : { form: r.error.message });
  };

  return (
    <form
      class="note-editor"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <Field label="Edit note" error={error.text}>
        {(ids) => (
          <textarea
            {...ids}
            ref={box}
            dir="auto"
            rows={4}
            value={text}
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void save();
              } else if (e.key === 'Escape') {
                // Esc closes the editor, not the popup.
                e.preventDefault();
                e.stopPropagation();
                onCancel();
              }
            }}
          />
        )}
      </Field>
      {error.form && (
        <p role="alert" class="error small">
          {error.form}
        </p>
      )}
      <div class="row">
        <button type="submit" class="primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
