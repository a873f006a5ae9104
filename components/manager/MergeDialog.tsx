import type { RefObject } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { EntityRecord } from '../../lib/model';
import type { MergeSummary } from '../../lib/store/store';
import { foldKey } from '../../lib/text';
import { plural, type Api } from '../ui/api';
import { RecordPicker } from '../ui/RecordPicker';

export interface MergeDialogProps {
  api: Api;
  /** The entity being edited. */
  entity: EntityRecord;
  /** Called once the dialog has closed (Esc, Cancel, or after the merge). */
  onClose: () => void;
  /** The merge is done: `goneId` is the entity that was merged away. */
  onMerged: (summary: MergeSummary, goneId: string) => void;
  /** Where focus goes back to when the dialog closes (the button that opened it). */
  returnFocus: RefObject<HTMLElement | null>;
}

/** What moving `gone` into `keep` would bring over, counted as the store will count it. */
interface Effect {
  aliases: number;
  events: number;
  notes: number;
}

/** Names and aliases of `gone` that `keep` does not already have (they become its aliases). */
function newAliases(keep: EntityRecord, gone: EntityRecord): number {
  const names = new Set([keep.name, ...keep.aliases.map((a) => a.text)].map(foldKey));
  let n = 0;
  for (const key of [gone.name, ...gone.aliases.map((a) => a.text)].map(foldKey))
    if (!names.has(key)) {
      names.add(key);
      n++;
    }
  return n;
}

const listed = (parts: string[]) =>
  parts.length < 2 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;

/**
 * A modal dialog that merges the entity with a duplicate: pick the other one, see what will move,
 * choose which of the two to keep, merge.
 */
export function MergeDialog({ api, entity, onClose, onMerged, returnFocus }: MergeDialogProps) {
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const [other, setOther] = useState<EntityRecord | null>(null);
  // What each one would bring to the other, once both are known.
  const [effects, setEffects] = useState<{ intoThis: Effect; intoOther: Effect } | null>(null);
  const [keep, setKeep] = useState<'this' | 'other'>('this');
  const [loading, setLoading] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const d = dialog.current!;
    d.showModal();
    return () => {
      if (returnFocus.current?.isConnected) returnFocus.current.focus();
    };
  }, []);

  const asked = useRef(0);

  const choose = async (otherId: string) => {
    const n = ++asked.current;
    setLoading(true);
    setError(null);
    setEffects(null);
    const [o, thisEvents, otherEvents, thisNotes, otherNotes] = await Promise.all([
      api('entity.get', { id: otherId }),
      api('events.ofEntity', { entityId: entity.id }),
      api('events.ofEntity', { entityId: otherId }),
      api('notes.about', { id: entity.id }),
      api('notes.about', { id: otherId }),
    ]);
    if (n !== asked.current) return; // another one was picked meanwhile
    setLoading(false);
    for (const r of [o, thisEvents, otherEvents, thisNotes, otherNotes]) if (!r.ok) return setError(r.error.message);
    if (!o.ok || !o.value) return setError('That entity no longer exists.');
    if (!thisEvents.ok || !otherEvents.ok || !thisNotes.ok || !otherNotes.ok) return;
    setOther(o.value);
    setEffects({
      intoThis: {
        aliases: newAliases(entity, o.value),
        events: otherEvents.value.length,
        notes: otherNotes.value.length,
      },
      intoOther: {
        aliases: newAliases(o.value, entity),
        events: thisEvents.value.length,
        notes: thisNotes.value.length,
      },
    });
  };

  const [kept, gone] = keep === 'this' ? [entity, other] : [other, entity];
  const effect = effects && (keep === 'this' ? effects.intoThis : effects.intoOther);
  const moves = effect
    ? [
        effect.aliases && plural(effect.aliases, 'alias', 'aliases'),
        effect.events && plural(effect.events, 'event'),
        effect.notes && plural(effect.notes, 'note'),
      ].filter((x): x is string => !!x)
    : [];

  const merge = async () => {
    if (!kept || !gone) return;
    setBusy(true);
    setError(null);
    const r = await api('entities.merge', { keepId: kept.id, mergeId: gone.id });
    setBusy(false);
    if (!r.ok) return setError(`Not merged: ${r.error.message}`);
    onMerged(r.value, gone.id);
    dialog.current?.close();
  };

  return (
    <dialog
      ref={dialog}
      class="merge-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-intro`}
      onClose={onClose}
      onKeyDown={(e) => {
        // Esc closes the dialog only (not the editor around it). The picker's own Esc, which closes
        // its suggestions, never gets here.
        if (e.key !== 'Escape') return;
        e.preventDefault();
        e.stopPropagation();
        dialog.current?.close();
      }}
    >
      <h3 id={`${id}-title`}>
        Merge “<span dir="auto">{entity.name}</span>” with…
      </h3>
      <p class="hint" id={`${id}-intro`}>
        When two entities are the same, merge them: one is kept, and the other’s name, aliases, events and notes move to
        it.
      </p>
      <RecordPicker
        api={api}
        label="Duplicate entity"
        placeholder="Search by name or alias"
        exclude={[entity.id]}
        autoFocus
        onPick={(picked) => void choose(picked.id)}
      />
      {loading && (
        <p role="status" class="muted">
          Loading…
        </p>
      )}
      {other && effects && kept && gone && (
        <>
          <fieldset class="merge-keep">
            <legend>Which one to keep</legend>
            {[
              { value: 'this' as const, record: entity },
              { value: 'other' as const, record: other },
            ].map(({ value, record }) => (
              <label key={value} class="merge-choice">
                <input
                  type="radio"
                  name={`${id}-keep`}
                  value={value}
                  checked={keep === value}
                  onChange={() => setKeep(value)}
                />
                Keep “<span dir="auto">{record.name}</span>”
              </label>
            ))}
          </fieldset>
          <p class="merge-effect" aria-live="polite">
            “<span dir="auto">{gone.name}</span>” will be deleted;{' '}
            {moves.length
              ? `its ${listed(moves)} ${moves.length === 1 && moves[0]!.startsWith('1 ') ? 'moves' : 'move'} to`
              : 'nothing else moves to'}{' '}
            “<span dir="auto">{kept.name}</span>”.
          </p>
        </>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="button" class="primary" disabled={!effects || busy} onClick={() => void merge()}>
          {busy ? 'Merging…' : 'Merge'}
        </button>
        <button type="button" onClick={() => dialog.current?.close()}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
