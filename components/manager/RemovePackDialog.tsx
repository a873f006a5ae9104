import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { RemoveNotes } from '../../lib/store/packs';
import { isolate } from '../../lib/text';
import { plural } from '../ui/api';

export interface RemovePackDialogProps {
  pack: { title: string; entities: number; events: number };
  /** Removes the pack; resolves to an error message, or null when it worked (the caller then closes). */
  onRemove: (notes: RemoveNotes) => Promise<string | null>;
  onClose: () => void;
}

/**
 * Asks before removing a pack, and what to do with the user's own notes about its records: keep them
 * (with the entities and events they are about, which become the user's own) or delete them.
 * A modal dialog: focus stays inside, Esc cancels.
 */
export default function RemovePackDialog({ pack, onRemove, onClose }: RemovePackDialogProps) {
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const [notes, setNotes] = useState<RemoveNotes>('keep');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const d = dialog.current!;
    d.showModal();
    return () => d.close();
  }, []);

  // Closed before the caller unmounts it: focus can only leave a modal dialog once it is closed.
  const close = () => {
    dialog.current?.close();
    onClose();
  };

  const submit = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    const failure = await onRemove(notes);
    // On success the caller unmounts the dialog; on failure it stays, with the reason.
    if (failure) {
      setBusy(false);
      setError(failure);
    }
  };

  return (
    <dialog
      ref={dialog}
      class="remove-pack"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-what`}
      onCancel={(e) => {
        // Esc: the caller closes it (the dialog must not close behind its back while a removal runs).
        e.preventDefault();
        if (!busy) close();
      }}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h3 id={`${id}-title`} dir="auto">
          Remove “{isolate(pack.title)}”?
        </h3>
        <p id={`${id}-what`}>
          Its {plural(pack.entities, 'entity', 'entities')} and {plural(pack.events, 'event')} will be removed from your
          store. Importing the pack again brings them back.
        </p>
        <fieldset>
          <legend>Your own notes about its records</legend>
          <label class="check">
            <input type="radio" name={`${id}-notes`} checked={notes === 'keep'} onChange={() => setNotes('keep')} />
            Keep my notes (the entities they are about stay, as my own)
          </label>
          <label class="check">
            <input type="radio" name={`${id}-notes`} checked={notes === 'delete'} onChange={() => setNotes('delete')} />
            Delete my notes about them
          </label>
        </fieldset>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="danger" disabled={busy}>
            {busy ? 'Removing…' : 'Remove pack'}
          </button>
          <button type="button" onClick={close} disabled={busy}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
