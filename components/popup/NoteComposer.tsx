import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { NoteRecord } from '../../lib/model';
import { fieldErrors, type Api } from '../ui/api';
import { Field } from '../ui/Field';
import { RecordPicker, type PickedRecord } from '../ui/RecordPicker';
import { sentence } from './env';

export interface NoteComposerProps {
  api: Api;
  /** What the note is about unless the user picks something else (the page's most mentioned name). */
  suggested: PickedRecord | null;
  onSaved: (note: NoteRecord) => void;
}

const SAVE_KEYS = /Mac|iPhone|iPad/.test(navigator.userAgent) ? '⌘+Enter' : 'Ctrl+Enter';

interface Errors {
  about?: string | undefined;
  text?: string | undefined;
  form?: string | undefined;
}

/**
 * "Add a note": what it is about (a removable chip, or a picker) and the text. The store validates the
 * text; only the missing target is caught here, since no call can be made without one.
 */
export function NoteComposer({ api, suggested, onSaved }: NoteComposerProps) {
  const id = useId();
  const [target, setTarget] = useState<PickedRecord | null>(null);
  /** Set once the user chose or removed a target: the suggestion no longer applies. */
  const [chosen, setChosen] = useState(false);
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const pickerBox = useRef<HTMLDivElement>(null);
  const textarea = useRef<HTMLTextAreaElement>(null);

  // The popup opens to write a note: the text box gets the focus (without scrolling the page list away).
  useEffect(() => {
    textarea.current?.focus({ preventScroll: true });
  }, []);

  useEffect(() => {
    if (!chosen) setTarget(suggested);
  }, [suggested?.id, chosen]);

  const choose = (record: PickedRecord | null) => {
    setChosen(true);
    setTarget(record);
    setErrors((e) => ({ ...e, about: undefined, form: undefined }));
  };

  const save = async () => {
    if (saving) return;
    setSaved(false);
    if (!target) {
      setErrors({ about: 'Choose what the note is about.' });
      pickerBox.current?.querySelector('input')?.focus();
      return;
    }
    setSaving(true);
    const r = await api('note.save', { note: { about: { type: target.type, id: target.id }, text } });
    setSaving(false);
    if (!r.ok) {
      const fields = fieldErrors(r.error);
      const about = fields['about.id'] ?? fields['about.type'] ?? fields.about;
      const textError = fields.text;
      setErrors({
        about: about && sentence(about),
        text: textError && sentence(textError),
        form: about || textError ? undefined : r.error.message,
      });
      if (textError) textarea.current?.focus();
      return;
    }
    setText('');
    setErrors({});
    setSaved(true);
    onSaved(r.value);
  };

  const aboutErrorId = `${id}-about-error`;
  return (
    <form
      class="composer"
      aria-label="Add a note"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div class={`field${errors.about ? ' invalid' : ''}`} ref={pickerBox}>
        {target ? (
          <>
            <span class="label" id={`${id}-about`}>
              About
            </span>
            <div class="chip" role="group" aria-labelledby={`${id}-about`}>
              {target.type === 'entity' ? (
                <span class={`kind kind-${target.kind ?? 'other'}`}>{target.kind ?? 'entity'}</span>
              ) : (
                <span class="kind">event</span>
              )}
              <span class="chip-title" dir="auto">
                {target.title}
              </span>
              <button
                type="button"
                class="icon"
                aria-label={`Remove “${target.title}”`}
                title="Choose something else"
                onClick={() => choose(null)}
              >
                ×
              </button>
            </div>
          </>
        ) : (
          <RecordPicker
            api={api}
            label="About"
            types={['entity', 'event']}
            placeholder="A name or an event"
            onPick={choose}
            autoFocus={chosen}
            describedBy={errors.about ? aboutErrorId : undefined}
            invalid={!!errors.about}
          />
        )}
        {errors.about && (
          <p class="field-error" id={aboutErrorId}>
            {errors.about}
          </p>
        )}
      </div>
      <Field label="Note" error={errors.text}>
        {(ids) => (
          <textarea
            {...ids}
            ref={textarea}
            dir="auto"
            rows={3}
            value={text}
            onInput={(e) => {
              setText((e.target as HTMLTextAreaElement).value);
              setSaved(false);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void save();
              }
            }}
          />
        )}
      </Field>
      {errors.form && (
        <p role="alert" class="error">
          {errors.form}
        </p>
      )}
      <div class="row">
        <button type="submit" class="primary" disabled={saving} aria-keyshortcuts="Control+Enter Meta+Enter">
          {saving ? 'Saving…' : 'Save'}
        </button>
        <span class="muted small">{SAVE_KEYS} saves</span>
        <p role="status" class="ok small">
          {saved ? 'Note saved.' : ''}
        </p>
      </div>
    </form>
  );
}
