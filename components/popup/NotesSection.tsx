import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { NoteHit } from '../../lib/background/search';
import type { NoteRecord } from '../../lib/model';
import type { Api } from '../ui/api';
import type { PickedRecord } from '../ui/RecordPicker';
import type { UndoOffer } from '../ui/Undo';
import { NoteComposer } from './NoteComposer';
import { NoteItem } from './NoteItem';
import { useAboutTitles } from './titles';

export interface NotesSectionProps {
  api: Api;
  /** Changes whenever the store changed: the list reloads. */
  revision: number;
  /** Tells the popup this section changed the store. */
  onWrite: () => void;
  suggested: PickedRecord | null;
  openManager: (hash: string) => void;
  offerUndo: (offer: UndoOffer) => void;
  /** A note picked in the search results, to open for editing here. */
  request: NoteHit | null;
  /** Called once the recent notes (or their error) are first rendered. */
  onLoaded?: () => void;
}

const RECENT = 20;

/** "Add a note" and the recent notes, each editable and deletable (with undo) in place. */
export function NotesSection({
  api,
  revision,
  onWrite,
  suggested,
  openManager,
  offerUndo,
  request,
  onLoaded,
}: NotesSectionProps) {
  const [notes, setNotes] = useState<NoteRecord[] | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  /** A note opened from search that is not among the recent ones. */
  const [extra, setExtra] = useState<NoteRecord | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const listHeading = useRef<HTMLHeadingElement>(null);
  const asked = useRef(0);

  const load = useCallback(async () => {
    const n = ++asked.current;
    const r = await api('notes.recent', { limit: RECENT });
    if (n !== asked.current) return;
    setError(r.ok ? null : r.error.message);
    if (r.ok) setNotes(r.value);
    onLoaded?.();
  }, [api, onLoaded]);

  useEffect(() => {
    void load();
  }, [load, revision]);

  // A note chosen in the search results opens for editing, fetched if it is not a recent one.
  useEffect(() => {
    if (!request) return;
    let live = true;
    void api('notes.about', { id: request.about.id }).then((r) => {
      if (!live) return;
      const note = r.ok ? r.value.find((n) => n.id === request.id) : undefined;
      if (!note) return setError(r.ok ? 'That note was deleted.' : r.error.message);
      setExtra(note);
      setEditing(note.id);
    });
    return () => {
      live = false;
    };
  }, [api, request]);

  const shown = useMemo(() => {
    const list = notes ?? [];
    return extra && !list.some((n) => n.id === extra.id) ? [extra, ...list] : list;
  }, [notes, extra]);
  const titleOf = useAboutTitles(api, shown, revision);

  const deleted = (note: NoteRecord) => {
    if (extra?.id === note.id) setExtra(null);
    listHeading.current?.focus();
    onWrite();
    offerUndo({
      message: 'Note deleted.',
      undo: async () => {
        const r = await api('record.restore', { type: 'note', id: note.id });
        if (!r.ok) return r.error.message;
        onWrite();
        return null;
      },
    });
  };

  const now = Date.now();
  return (
    <section class="section" aria-labelledby="notes-title">
      <h2 id="notes-title">Notes</h2>
      <NoteComposer api={api} suggested={suggested} onSaved={onWrite} />
      <h3 id="recent-title" ref={listHeading} tabIndex={-1}>
        Recent notes
      </h3>
      {error && (
        <div role="alert" class="error">
          <p>{error}</p>
          <button type="button" onClick={() => void load()}>
            Try again
          </button>
        </div>
      )}
      {notes === undefined ? (
        !error && (
          <p role="status" class="muted">
            Loading notes…
          </p>
        )
      ) : shown.length === 0 ? (
        <p class="muted">No notes yet. Notes you write here show up in the cards.</p>
      ) : (
        <ul class="plain notes" aria-labelledby="recent-title">
          {shown.map((n) => (
            <NoteItem
              key={n.id}
              api={api}
              note={n}
              about={titleOf(n.about)}
              editing={editing === n.id}
              setEditing={(on) => setEditing(on ? n.id : null)}
              openManager={openManager}
              onSaved={onWrite}
              onDeleted={deleted}
              now={now}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
