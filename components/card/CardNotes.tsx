import { useId, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { NoteRecord } from '../../lib/model';
import type { Result } from '../../lib/result';
import ClampedText from './ClampedText';
import { formatMoment, formatRelativeTime, isoTime } from './format';
import NoteForm from './NoteForm';
import SafeLink from './SafeLink';

/** What the card hands the host to save: a new note (no id) or a new text for an existing one. */
export interface NoteSaveInput {
  id?: string;
  text: string;
}

export interface CardNotesProps {
  /** The entity's notes, newest first. */
  notes: NoteRecord[];
  /** Saves a note; the host adds what the note is about and the page it was taken on. */
  onSaveNote: (input: NoteSaveInput) => Promise<Result<unknown>>;
  /** The current time in epoch ms, for "updated 3 days ago". */
  now: number;
  /** Id of the section's heading. */
  headingId: string;
}

/** The user's notes about the entity (each editable in place), then a form to add one. */
export default function CardNotes({ notes, onSaveNote, now, headingId }: CardNotesProps) {
  return (
    <section class="bs-section bs-notes">
      <h3 id={headingId} class="bs-h3">
        Your notes
      </h3>
      {notes.length > 0 && (
        <ul class="bs-note-list" aria-labelledby={headingId}>
          {notes.map((note) => (
            <NoteItem key={note.id} note={note} now={now} onSaveNote={onSaveNote} />
          ))}
        </ul>
      )}
      <NoteForm initial="" label="Add a note" clearOnSave onSave={(text) => onSaveNote({ text })} />
    </section>
  );
}

interface NoteItemProps {
  note: NoteRecord;
  now: number;
  onSaveNote: CardNotesProps['onSaveNote'];
}

function NoteItem({ note, now, onSaveNote }: NoteItemProps) {
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  const textId = useId();

  // Leaving the editor (saved or cancelled) puts focus back on the note's Edit button. A layout
  // effect: focus moves in the same commit that removes the textarea, never via <body>.
  useLayoutEffect(() => {
    if (wasEditing.current && !editing) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  if (editing) {
    return (
      <li class="bs-note bs-note-editing">
        <NoteForm
          initial={note.text}
          label="Edit note"
          focusOnMount
          onSave={(text) => onSaveNote({ id: note.id, text })}
          onSaved={() => setEditing(false)}
          onCancel={() => setEditing(false)}
        />
      </li>
    );
  }

  return (
    <li class="bs-note">
      <ClampedText id={textId} text={note.text} class="bs-note-text" />
      {note.page?.quote && (
        <blockquote class="bs-quote" dir="auto">
          {note.page.quote}
        </blockquote>
      )}
      <p class="bs-note-meta">
        <time dateTime={isoTime(note.updatedAt)} title={formatMoment(note.updatedAt)}>
          updated {formatRelativeTime(note.updatedAt, now)}
        </time>
        {note.page && (
          <>
            <span aria-hidden="true"> · </span>
            <span class="bs-note-source">
              from <SafeLink link={note.page} />
            </span>
          </>
        )}
        <button
          ref={editButton}
          type="button"
          class="bs-link-button bs-note-edit"
          aria-label="Edit note"
          aria-describedby={textId}
          onClick={() => setEditing(true)}
        >
          Edit
        </button>
      </p>
    </li>
  );
}
