import { useEffect, useRef, useState } from 'preact/hooks';
import type { CaptureMode } from '../../lib/background/capture';
import type { PageCapture } from '../../lib/messages';
import {
  CASE_RULES,
  ENTITY_KINDS,
  isSafeUrl,
  type CaseRule,
  type EntityKind,
  type EntityRecord,
} from '../../lib/model';
import type { AppError } from '../../lib/result';
import { isolate } from '../../lib/text';
import { fieldErrors, type Api } from '../ui/api';
import { Field } from '../ui/Field';
import { CASE_LABELS, KIND_LABELS } from '../ui/labels';
import { RecordPicker, type PickedRecord } from '../ui/RecordPicker';

export interface CaptureProps {
  api: Api;
  /** The form to start with; null lets the user choose (the capture shortcut). */
  mode: CaptureMode | null;
  capture: PageCapture;
  /** Closes the capture window. */
  close: () => void;
}

const MODES: { mode: CaptureMode; label: string }[] = [
  { mode: 'entity', label: 'New entity' },
  { mode: 'alias', label: 'Alias of…' },
  { mode: 'note', label: 'Note' },
  { mode: 'event', label: 'Event' },
];

/** The fields of an entity as `entity.save` takes them (a stored record minus its metadata). */
export const entityFields = (e: EntityRecord) => ({
  name: e.name,
  kind: e.kind,
  aliases: e.aliases,
  summary: e.summary,
  links: e.links,
  tags: e.tags,
  related: e.related,
});

type Outcome = { ok: true; message: string } | { ok: false; error: AppError };

/**
 * The capture window: what was selected on a page becomes a new entity, an alias of one, a note
 * (keeping the quote, the page's address and title) or an event (dated by the page when it says when
 * it was published).
 */
export default function Capture({ api, mode: initialMode, capture, close }: CaptureProps) {
  const [mode, setMode] = useState<CaptureMode | null>(initialMode);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const status = useRef<HTMLDivElement>(null);
  const pageIsLinkable = isSafeUrl(capture.url);
  const page = pageIsLinkable ? { url: capture.url, title: capture.title } : null;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) close();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [close]);
  useEffect(() => {
    if (outcome) status.current?.focus();
  }, [outcome]);

  const done = (message: string) => setOutcome({ ok: true, message });
  const failed = (error: AppError) => setOutcome({ ok: false, error });
  const formProps = { api, capture, page, done, failed, error: outcome && !outcome.ok ? outcome.error : null };

  return (
    <main class="capture" aria-labelledby="capture-title">
      <h1 id="capture-title">Capture</h1>
      <p class="muted capture-source" dir="auto">
        From {isolate(capture.title || capture.url || 'this page')}
        {capture.published ? ` · published ${capture.published}` : ''}
      </p>
      {capture.selection && (
        <blockquote class="capture-quote" dir="auto">
          {capture.selection}
        </blockquote>
      )}
      <div role="radiogroup" aria-label="What to make of it" class="capture-modes">
        {MODES.map((m) => (
          <label key={m.mode} class={mode === m.mode ? 'checked' : ''}>
            <input
              type="radio"
              name="mode"
              value={m.mode}
              checked={mode === m.mode}
              onChange={() => {
                setMode(m.mode);
                setOutcome(null);
              }}
            />
            {m.label}
          </label>
        ))}
      </div>
      {outcome?.ok ? (
        <div class="capture-done" role="status" tabIndex={-1} ref={status}>
          <p>{outcome.message}</p>
          <div class="actions">
            <button type="button" class="primary" onClick={close}>
              Close
            </button>
            <button type="button" onClick={() => setOutcome(null)}>
              Capture more
            </button>
          </div>
        </div>
      ) : (
        <>
          {outcome && !outcome.ok && (
            <p role="alert" class="error" tabIndex={-1} ref={status}>
              Not saved: {outcome.error.message}
            </p>
          )}
          {mode === 'entity' && <EntityForm {...formProps} />}
          {mode === 'alias' && <AliasForm {...formProps} />}
          {mode === 'note' && <NoteForm {...formProps} />}
          {mode === 'event' && <EventForm {...formProps} />}
          {mode === null && <p class="muted">Choose what to make of the selection.</p>}
        </>
      )}
    </main>
  );
}

interface FormProps {
  api: Api;
  capture: PageCapture;
  page: { url: string; title: string } | null;
  done: (message: string) => void;
  failed: (error: AppError) => void;
  error: AppError | null;
}

const value = (e: Event) => (e.target as HTMLInputElement).value;
const short = (s: string, n = 120) => (s.length > n ? '' : s);

function EntityForm({ api, capture, page, done, failed, error }: FormProps) {
  const [name, setName] = useState(short(capture.selection, 300));
  const [kind, setKind] = useState<EntityKind>('person');
  const [aliases, setAliases] = useState('');
  const [summary, setSummary] = useState('');
  const errors = fieldErrors(error);
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await api('entity.save', {
      entity: {
        name,
        kind,
        aliases: aliases
          .split(/[;,]/)
          .map((a) => a.trim())
          .filter(Boolean)
          .map((text) => ({ text })),
        summary,
        links: page ? [{ url: page.url, title: page.title.slice(0, 500) }] : [],
      },
    });
    if (r.ok) done(`Added “${isolate(r.value.name)}”. It is marked on open pages now.`);
    else failed(r.error);
  };
  return (
    <form onSubmit={submit} aria-label="New entity">
      <Field label="Name" error={errors.name}>
        {(ids) => <input {...ids} value={name} onInput={(e) => setName(value(e))} dir="auto" autoFocus />}
      </Field>
      <Field label="Kind" error={errors.kind}>
        {(ids) => (
          <select {...ids} value={kind} onChange={(e) => setKind(value(e) as EntityKind)}>
            {ENTITY_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Other spellings" hint="Separated by commas." error={errors['aliases[0].text']}>
        {(ids) => <input {...ids} value={aliases} onInput={(e) => setAliases(value(e))} dir="auto" />}
      </Field>
      <Field label="Summary" error={errors.summary}>
        {(ids) => <textarea {...ids} value={summary} onInput={(e) => setSummary(value(e))} dir="auto" />}
      </Field>
      {page && <p class="hint">The page is kept as the entity's first link.</p>}
      <div class="actions">
        <button type="submit" class="primary">
          Add entity
        </button>
      </div>
    </form>
  );
}

/** The chosen record as a removable chip, or the picker to choose one. */
function Target({
  api,
  label,
  types,
  target,
  setTarget,
  error,
}: {
  api: Api;
  label: string;
  types: readonly ('entity' | 'event')[];
  target: PickedRecord | null;
  setTarget: (t: PickedRecord | null) => void;
  error?: string | undefined;
}) {
  if (target)
    return (
      <div class="field">
        <span class="label">{label}</span>
        <span class="chip">
          <span dir="auto">{target.title}</span>
          <button type="button" class="icon" aria-label={`Remove ${target.title}`} onClick={() => setTarget(null)}>
            ×
          </button>
        </span>
      </div>
    );
  return (
    <div class="field">
      <RecordPicker api={api} label={label} types={types} onPick={setTarget} autoFocus invalid={!!error} />
      {error && <p class="field-error">{error}</p>}
    </div>
  );
}

/** Preselects the record the selection names exactly (a known name or alias), if there is one. */
function useNamedTarget(api: Api, text: string, types: readonly ('entity' | 'event')[]) {
  const [target, setTarget] = useState<PickedRecord | null>(null);
  useEffect(() => {
    const q = text.trim();
    if (!q || q.length > 300) return;
    void api('search', { query: q, limit: 1 }).then((r) => {
      const top = r.ok ? r.value.entities[0] : undefined;
      const exact = top && [top.name, top.alias].some((n) => n?.toLowerCase() === q.toLowerCase());
      if (top && exact && types.includes('entity'))
        setTarget((t) => t ?? { type: 'entity', id: top.id, title: top.name, kind: top.kind });
    });
    // Asked once, for the selection the window opened with.
  }, [api, text]);
  return [target, setTarget] as const;
}

function AliasForm({ api, capture, done, failed, error }: FormProps) {
  const [target, setTarget] = useState<PickedRecord | null>(null);
  const [text, setText] = useState(short(capture.selection, 300));
  const [rule, setRule] = useState<CaseRule>('auto');
  const [missing, setMissing] = useState(false);
  const errors = fieldErrors(error);
  const aliasError = Object.entries(errors).find(([k]) => k.startsWith('aliases'))?.[1];
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!target) return setMissing(true);
    const got = await api('entity.get', { id: target.id });
    if (!got.ok) return failed(got.error);
    if (!got.value) return failed({ code: 'not-found', message: 'That entity no longer exists.' });
    const entity = entityFields(got.value);
    const r = await api('entity.save', {
      id: target.id,
      entity: { ...entity, aliases: [...entity.aliases, { text, case: rule }] },
    });
    if (r.ok)
      done(`“${isolate(text.trim())}” is now an alias of “${isolate(r.value.name)}”. It is marked on open pages now.`);
    else failed(r.error);
  };
  return (
    <form onSubmit={submit} aria-label="Alias of an entity">
      <Field label="Alias" error={aliasError}>
        {(ids) => <input {...ids} value={text} onInput={(e) => setText(value(e))} dir="auto" />}
      </Field>
      <Target
        api={api}
        label="Of the entity"
        types={['entity']}
        target={target}
        setTarget={(t) => (setTarget(t), setMissing(false))}
        error={missing ? 'Choose the entity this is another name of.' : undefined}
      />
      <Field label="Letter case" hint="Auto matches short all-capital aliases (KH, PMF) only in capitals.">
        {(ids) => (
          <select {...ids} value={rule} onChange={(e) => setRule(value(e) as CaseRule)}>
            {CASE_RULES.map((c) => (
              <option key={c} value={c}>
                {CASE_LABELS[c]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div class="actions">
        <button type="submit" class="primary">
          Add alias
        </button>
      </div>
    </form>
  );
}

function NoteForm({ api, capture, page, done, failed, error }: FormProps) {
  const [target, setTarget] = useNamedTarget(api, capture.selection, ['entity', 'event']);
  const [text, setText] = useState('');
  const [missing, setMissing] = useState(false);
  const errors = fieldErrors(error);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!target) return setMissing(true);
    const r = await api('note.save', {
      note: {
        about: { type: target.type, id: target.id },
        text,
        page: page ? { ...page, quote: capture.selection } : null,
      },
    });
    if (r.ok) done(`Note added to “${isolate(target.title)}”.`);
    else failed(r.error);
  };
  return (
    <form onSubmit={submit} aria-label="Note">
      <Target
        api={api}
        label="About"
        types={['entity', 'event']}
        target={target}
        setTarget={(t) => (setTarget(t), setMissing(false))}
        error={missing ? 'Choose what the note is about.' : undefined}
      />
      <Field
        label="Note"
        hint={page ? 'The quote, the page’s address and its title are kept with the note.' : undefined}
        error={errors.text}
      >
        {(ids) => (
          <textarea
            {...ids}
            value={text}
            onInput={(e) => setText(value(e))}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit(e);
            }}
            dir="auto"
          />
        )}
      </Field>
      <div class="actions">
        <button type="submit" class="primary">
          Add note
        </button>
      </div>
    </form>
  );
}

function EventForm({ api, capture, page, done, failed, error }: FormProps) {
  const [title, setTitle] = useState(short(capture.selection, 200) || capture.title.slice(0, 500));
  const [date, setDate] = useState(capture.published ?? '');
  const [place, setPlace] = useState<PickedRecord | null>(null);
  const [linked, setLinked] = useState<PickedRecord[]>([]);
  const [summary, setSummary] = useState(capture.selection.length > 200 ? capture.selection : '');
  const errors = fieldErrors(error);
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await api('event.save', {
      event: {
        title,
        date,
        place: place?.id ?? null,
        summary,
        sources: page ? [{ url: page.url, title: page.title.slice(0, 500) }] : [],
        entities: linked.map((l) => ({ entity: l.id })),
      },
    });
    if (r.ok) done(`Event “${isolate(r.value.title)}” added.`);
    else failed(r.error);
  };
  return (
    <form onSubmit={submit} aria-label="Event">
      <Field label="Title" error={errors.title}>
        {(ids) => <input {...ids} value={title} onInput={(e) => setTitle(value(e))} dir="auto" />}
      </Field>
      <Field
        label="Date"
        hint={
          capture.published
            ? 'The page’s publication date. A year (2020) or a month (2020-03) will do.'
            : 'As 2020-03-11, 2020-03 or 2020.'
        }
        error={errors.date}
      >
        {(ids) => <input {...ids} value={date} onInput={(e) => setDate(value(e))} inputMode="numeric" />}
      </Field>
      <Target api={api} label="Place" types={['entity']} target={place} setTarget={setPlace} />
      <fieldset>
        <legend>Who or what took part</legend>
        {linked.length > 0 && (
          <ul class="chips">
            {linked.map((l) => (
              <li key={l.id} class="chip">
                <span dir="auto">{l.title}</span>
                <button
                  type="button"
                  class="icon"
                  aria-label={`Remove ${l.title}`}
                  onClick={() => setLinked(linked.filter((x) => x.id !== l.id))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <RecordPicker
          api={api}
          label="Add an entity"
          onPick={(p) => setLinked((xs) => (xs.some((x) => x.id === p.id) ? xs : [...xs, p]))}
          exclude={linked.map((l) => l.id)}
        />
      </fieldset>
      <Field label="Summary" error={errors.summary}>
        {(ids) => <textarea {...ids} value={summary} onInput={(e) => setSummary(value(e))} dir="auto" />}
      </Field>
      {page && <p class="hint">The page is kept as the event's source.</p>}
      <div class="actions">
        <button type="submit" class="primary">
          Add event
        </button>
      </div>
    </form>
  );
}
