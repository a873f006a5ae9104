import type { TargetedKeyboardEvent } from 'preact';
import { useId, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Result } from '../../lib/result';

export interface NoteFormProps {
  /** Text the textarea starts with ('' to add a note, the note's text to edit it). */
  initial: string;
  /** Accessible label of the textarea ("Add a note", "Edit note"). */
  label: string;
  /** Saves the trimmed text; an error result is shown under the form and the text is kept. */
  onSave: (text: string) => Promise<Result<unknown>>;
  /** Called after a successful save. */
  onSaved?: () => void;
  /** Shows a Cancel button (and lets Escape cancel) when given. */
  onCancel?: () => void;
  /** Empties the textarea after a successful save (the add form; the edit form closes instead). */
  clearOnSave?: boolean;
  /** Moves focus into the textarea when the form appears (the edit form, opened by a click). */
  focusOnMount?: boolean;
}

/** A textarea with Save (and Cancel): Ctrl/Cmd+Enter saves, empty text cannot be saved. */
export default function NoteForm({
  initial,
  label,
  onSave,
  onSaved,
  onCancel,
  clearOnSave,
  focusOnMount,
}: NoteFormProps) {
  const [text, setText] = useState(initial);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const mounted = useRef(true);
  const id = useId();
  const errorId = `${id}-error`;

  useLayoutEffect(() => {
    mounted.current = true;
    if (focusOnMount) {
      const el = textarea.current;
      el?.focus();
      el?.setSelectionRange(el.value.length, el.value.length);
    }
    return () => {
      mounted.current = false;
    };
  }, [focusOnMount]);

  const empty = text.trim() === '';

  async function save() {
    if (empty || saving) return;
    setSaving(true);
    setError(null);
    let result: Result<unknown>;
    try {
      result = await onSave(text.trim());
    } catch (e) {
      // The host should answer with a Result, but a rejected promise must not leave the form stuck.
      result = { ok: false, error: { code: 'internal', message: `The note was not saved: ${String(e)}` } };
    }
    // The card may have switched to another entity (or closed) while the save was in flight.
    if (!mounted.current) return;
    setSaving(false);
    if (!result.ok) {
      setError(result.error.message || 'The note was not saved.');
      return;
    }
    if (clearOnSave) setText('');
    onSaved?.();
  }

  function onKeyDown(e: TargetedKeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void save();
    } else if (e.key === 'Escape' && onCancel && !saving) {
      // Escape here leaves the edit, not the card: the host closes the card on an Escape it receives.
      e.preventDefault();
      e.stopPropagation();
      onCancel();
    }
  }

  return (
    <form
      class="bs-note-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label class="bs-sr" for={`${id}-text`}>
        {label}
      </label>
      <textarea
        ref={textarea}
        id={`${id}-text`}
        class="bs-textarea"
        dir="auto"
        rows={3}
        value={text}
        placeholder={onCancel ? undefined : 'Add a note…'}
        aria-keyshortcuts="Control+Enter Meta+Enter"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={onKeyDown}
      />
      {error && (
        <p id={errorId} class="bs-error" role="alert">
          {error}
        </p>
      )}
      <div class="bs-form-actions">
        <span class="bs-hint" aria-hidden="true">
          Ctrl+Enter to save
        </span>
        {onCancel && (
          <button type="button" class="bs-button" onClick={onCancel} disabled={saving}>
            Cancel
          </button>
        )}
        {/* type="button" + onClick rather than a submit button: the card's buttons never submit by accident. */}
        <button type="button" class="bs-button bs-primary" onClick={() => void save()} disabled={empty || saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
