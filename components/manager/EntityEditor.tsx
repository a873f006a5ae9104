import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { EntityInput } from '../../lib/inputs';
import {
  ENTITY_KINDS,
  isCaseSensitive,
  type Alias,
  type CaseRule,
  type EntityKind,
  type EntityRecord,
  type EventRecord,
  type Link,
  type Relation,
} from '../../lib/model';
import type { MergeSummary } from '../../lib/store/store';
import { fieldErrors, plural, type Api } from '../ui/api';
import { Field } from '../ui/Field';
import { RecordPicker } from '../ui/RecordPicker';
import { AliasPreview } from './AliasPreview';
import { KIND_LABELS } from '../ui/labels';
import { MergeDialog } from './MergeDialog';
import type { Route } from './types';

/** Editable rows carry a stable key, so removing one row does not shift the others' inputs. */
type Keyed<T> = T & { key: number };
type RelatedRow = Keyed<Relation> & { name: string; kind: EntityKind | null };

interface Draft {
  name: string;
  kind: EntityKind;
  aliases: Keyed<Alias>[];
  summary: string;
  links: Keyed<Link>[];
  /** As typed: comma-separated. */
  tags: string;
  related: RelatedRow[];
}

let lastKey = 0;
/** Keys rows, reusing the keys of `prev` row by row (a save keeps the inputs, and their focus, in place). */
const keyed = <T,>(rows: readonly T[], prev: readonly { key: number }[] = []): Keyed<T>[] =>
  rows.map((r, i) => ({ ...r, key: prev[i]?.key ?? ++lastKey }));

type Lookup = (id: string) => EntityRecord | undefined;

function draftOf(e: EntityRecord | null, lookup: Lookup, prev?: Draft): Draft {
  const related = (e?.related ?? []).map((r) => {
    const other = lookup(r.entity);
    return { ...r, name: other?.name ?? 'Deleted entity', kind: other?.kind ?? null };
  });
  return {
    name: e?.name ?? '',
    kind: e?.kind ?? 'person',
    aliases: keyed(e?.aliases ?? [], prev?.aliases),
    summary: e?.summary ?? '',
    links: keyed(e?.links ?? [], prev?.links),
    tags: (e?.tags ?? []).join(', '),
    related: keyed(related, prev?.related),
  };
}

/** The draft as the `entity.save` input; empty rows are kept so error paths match the rows shown. */
function inputOf(d: Draft): EntityInput {
  return {
    name: d.name,
    kind: d.kind,
    aliases: d.aliases.map(({ text, case: c }) => ({ text, case: c })),
    summary: d.summary,
    links: d.links.map(({ url, title }) => ({ url, title })),
    tags: d.tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    related: d.related.map(({ entity, label }) => ({ entity, label })),
  };
}

const FRIENDLY: Record<string, string> = {
  'expected a non-empty string': 'This cannot be empty.',
  'expected an http:// or https:// URL': 'Enter a web address that starts with http:// or https://.',
};
const friendly = (m: string) => FRIENDLY[m] ?? `${m.charAt(0).toUpperCase()}${m.slice(1)}${m.endsWith('.') ? '' : '.'}`;

/** A field path of the store's errors in words ("aliases[1].text" → "Alias 2"). */
function fieldLabel(path: string): string {
  const [, list, index, part] = /^(\w+)(?:\[(\d+)\])?(?:\.(\w+))?/.exec(path) ?? [];
  const n = index === undefined ? '' : ` ${Number(index) + 1}`;
  const names: Record<string, string> = {
    name: 'Name',
    kind: 'Kind',
    summary: 'Summary',
    tags: 'Tags',
    aliases: `Alias${n}${part === 'case' ? ' letter case' : ''}`,
    links: `Link${n}${part === 'title' ? ' title' : part === 'url' ? ' address' : ''}`,
    related: `Related entity${n}`,
  };
  return names[list ?? ''] ?? path;
}

export interface EntityEditorProps {
  api: Api;
  /** The entity to edit; null for a new one. */
  entity: EntityRecord | null;
  /** Title of the pack it came from, or null for the user's own. */
  packTitle: string | null;
  revision: number;
  /** Another entity by id, for the names of related entities. */
  lookup: Lookup;
  /** What gets focus when the editor opens. */
  focusOnOpen: 'name' | 'heading' | null;
  onSaved: (saved: EntityRecord, created: boolean) => void;
  onDeleted: (deleted: EntityRecord) => void;
  onMerged: (summary: MergeSummary, goneId: string) => void;
  /** Esc or Close: the panel asks first when there are unsaved changes. */
  onClose: () => void;
  onDirtyChange: (dirty: boolean) => void;
  navigate: (route: Route) => void;
}

/**
 * The form of one entity: name, kind, aliases with a live preview of what they match, summary, links,
 * tags, related entities; save (Ctrl/Cmd+S, Ctrl+Enter), delete, merge. Below it, what refers to it.
 */
export function EntityEditor(props: EntityEditorProps) {
  const { api, lookup } = props;
  const id = useId();
  const [record, setRecord] = useState(props.entity);
  const [draft, setDraft] = useState(() => draftOf(props.entity, lookup));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<{ message: string; items: [string, string][] } | null>(null);
  const [busy, setBusy] = useState(false);
  const [merging, setMerging] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const nameInput = useRef<HTMLInputElement>(null);
  const alert = useRef<HTMLDivElement>(null);
  const mergeButton = useRef<HTMLButtonElement>(null);
  const dirty = JSON.stringify(inputOf(draft)) !== JSON.stringify(inputOf(draftOf(record, lookup)));

  useEffect(() => {
    if (props.focusOnOpen === 'name') nameInput.current?.focus();
    else if (props.focusOnOpen === 'heading') heading.current?.focus();
    // Opened with the pointer: bring the form into view (it is below the list on narrow screens).
    else heading.current?.scrollIntoView?.({ block: 'nearest' });
  }, []);
  useEffect(() => props.onDirtyChange(dirty), [dirty]);
  useEffect(() => {
    if (failure) alert.current?.focus();
  }, [failure]);

  /** Changes the draft and forgets the errors of the field changed (`path` is a prefix of their paths). */
  const edit = (patch: Partial<Draft>, path?: string) => {
    setDraft((d) => ({ ...d, ...patch }));
    if (path && Object.keys(errors).some((k) => k.startsWith(path)))
      setErrors((es) => Object.fromEntries(Object.entries(es).filter(([k]) => !k.startsWith(path))));
  };

  const save = async () => {
    if (busy) return;
    setBusy(true);
    const entity = inputOf(draft);
    const r = await api('entity.save', record ? { id: record.id, entity } : { entity });
    setBusy(false);
    if (!r.ok) {
      const fields = fieldErrors(r.error);
      setErrors(fields);
      const items = Object.entries(fields).map(([path, m]): [string, string] => [fieldLabel(path), friendly(m)]);
      setFailure({
        message: items.length
          ? `Not saved: fix ${plural(items.length, 'problem')} below.`
          : `Not saved: ${r.error.message}`,
        items,
      });
      return;
    }
    setErrors({});
    setFailure(null);
    setRecord(r.value);
    setDraft((d) => draftOf(r.value, lookup, d));
    props.onSaved(r.value, !record);
  };

  const remove = async () => {
    if (!record || busy) return;
    setBusy(true);
    const r = await api('entity.delete', { id: record.id });
    setBusy(false);
    if (!r.ok) return setFailure({ message: `Not deleted: ${r.error.message}`, items: [] });
    props.onDeleted(record);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && (e.key.toLowerCase() === 's' || e.key === 'Enter')) {
      e.preventDefault();
      void save();
    } else if (e.key === 'Escape' && !e.defaultPrevented) {
      e.preventDefault();
      props.onClose();
    }
  };

  const fieldError = (path: string) => (errors[path] ? friendly(errors[path]) : undefined);
  // A list's own error (too many rows) or the first error of its items, for fields shown as one input.
  const anyError = (prefix: string) => {
    const key = Object.keys(errors).find((k) => k === prefix || k.startsWith(`${prefix}[`));
    return key ? `${key === prefix ? '' : `${fieldLabel(key)}: `}${friendly(errors[key]!)}` : undefined;
  };

  return (
    <div class="entity-editor">
      <form
        class="entity-form"
        aria-labelledby={`${id}-title`}
        noValidate
        onSubmit={(e) => (e.preventDefault(), void save())}
        onKeyDown={onKeyDown}
      >
        <div class="entity-editor-head">
          <h3 id={`${id}-title`} ref={heading} tabIndex={-1} dir="auto" class="title-clamp">
            {record ? record.name : 'New entity'}
          </h3>
          <p class="muted">
            {!record ? (
              'Not saved yet.'
            ) : props.packTitle ? (
              <>
                From the pack “<span dir="auto">{props.packTitle}</span>”.
              </>
            ) : (
              'Your own entity.'
            )}
          </p>
        </div>
        {failure && (
          <div role="alert" class="form-alert" tabIndex={-1} ref={alert}>
            <p>{failure.message}</p>
            {failure.items.length > 0 && (
              <ul>
                {failure.items.map(([label, message], i) => (
                  <li key={i}>
                    {label}: {message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <div class="entity-form-grid">
          <Field label="Name" error={fieldError('name')}>
            {(ids) => (
              <input
                {...ids}
                ref={nameInput}
                type="text"
                dir="auto"
                autocomplete="off"
                value={draft.name}
                onInput={(e) => edit({ name: (e.target as HTMLInputElement).value }, 'name')}
              />
            )}
          </Field>
          <Field label="Kind" error={fieldError('kind')}>
            {(ids) => (
              <select
                {...ids}
                value={draft.kind}
                onChange={(e) => edit({ kind: (e.target as HTMLSelectElement).value as EntityKind }, 'kind')}
              >
                {ENTITY_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {KIND_LABELS[k]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <AliasRows
          rows={draft.aliases}
          errors={errors}
          listError={errors.aliases && friendly(errors.aliases)}
          onChange={(aliases, path) => edit({ aliases }, path)}
        />
        <AliasPreview name={draft.name} aliases={draft.aliases} />
        <Field label="Summary" error={fieldError('summary')}>
          {(ids) => (
            <textarea
              {...ids}
              dir="auto"
              rows={4}
              value={draft.summary}
              onInput={(e) => edit({ summary: (e.target as HTMLTextAreaElement).value }, 'summary')}
            />
          )}
        </Field>
        <LinkRows
          rows={draft.links}
          errors={errors}
          listError={errors.links && friendly(errors.links)}
          onChange={(links, path) => edit({ links }, path)}
        />
        <Field label="Tags" hint="Separate tags with commas." error={anyError('tags')}>
          {(ids) => (
            <input
              {...ids}
              type="text"
              dir="auto"
              value={draft.tags}
              onInput={(e) => edit({ tags: (e.target as HTMLInputElement).value }, 'tags')}
            />
          )}
        </Field>
        <RelatedRows
          api={api}
          selfId={record?.id ?? null}
          selfName={draft.name}
          rows={draft.related}
          errors={errors}
          listError={anyError('related')}
          onChange={(related, path) => edit({ related }, path)}
        />
        <div class="actions entity-actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
          <button type="button" onClick={props.onClose}>
            Close
          </button>
          {record && (
            <>
              <button
                type="button"
                ref={mergeButton}
                disabled={dirty}
                aria-describedby={dirty ? `${id}-merge-hint` : undefined}
                onClick={() => setMerging(true)}
              >
                Merge with…
              </button>
              <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
                Delete
              </button>
            </>
          )}
        </div>
        <p class="hint">
          {dirty && record && <span id={`${id}-merge-hint`}>Save or discard your changes before merging. </span>}
          Ctrl+S saves, Esc closes.
        </p>
      </form>
      {record && <Connections api={api} entityId={record.id} revision={props.revision} navigate={props.navigate} />}
      {record && merging && (
        <MergeDialog
          api={api}
          entity={record}
          returnFocus={mergeButton}
          onClose={() => setMerging(false)}
          onMerged={props.onMerged}
        />
      )}
    </div>
  );
}

interface RowsProps<T> {
  rows: T[];
  errors: Record<string, string>;
  listError: string | undefined;
  /** New rows, and the error path they touch (its errors are cleared; none when a row is added). */
  onChange: (rows: T[], path?: string) => void;
}

/** Replaces row i (by position) with a patched copy. */
const patchRow = <T,>(rows: T[], i: number, patch: Partial<NoInfer<T>>) =>
  rows.map((r, j) => (j === i ? { ...r, ...patch } : r));

/** Moves focus to an input of a row that is about to be rendered (after "Add"). */
function useFocusNew() {
  const pending = useRef<number | null>(null);
  return {
    want: (key: number) => (pending.current = key),
    ref: (key: number) => (el: HTMLElement | null) => {
      if (el && pending.current === key) {
        pending.current = null;
        el.focus();
      }
    },
  };
}

/** An error under a row input, tied to it through aria-describedby. */
function RowError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p class="field-error" id={id}>
      {friendly(message)}
    </p>
  ) : null;
}

function AliasRows({ rows, errors, listError, onChange }: RowsProps<Keyed<Alias>>) {
  const id = useId();
  const add = useRef<HTMLButtonElement>(null);
  const focusNew = useFocusNew();
  const set = (i: number, patch: Partial<Alias>) => onChange(patchRow(rows, i, patch), `aliases[${i}].`);
  return (
    <fieldset class="edit-rows">
      <legend>Aliases</legend>
      {rows.length === 0 && <p class="muted">No aliases. The name is always matched.</p>}
      <ul>
        {rows.map((a, i) => {
          const err = errors[`aliases[${i}].text`];
          return (
            <li key={a.key} class="edit-row">
              <input
                ref={focusNew.ref(a.key)}
                type="text"
                dir="auto"
                aria-label={`Alias ${i + 1}`}
                aria-invalid={err ? true : undefined}
                aria-describedby={err ? `${id}-${i}-error` : undefined}
                value={a.text}
                onInput={(e) => set(i, { text: (e.target as HTMLInputElement).value })}
              />
              <select
                aria-label={`Letter case of alias ${i + 1}`}
                value={a.case}
                onChange={(e) => set(i, { case: (e.target as HTMLSelectElement).value as CaseRule })}
              >
                <option value="auto">
                  Auto ({isCaseSensitive({ text: a.text, case: 'auto' }) ? 'match case' : 'ignore case'})
                </option>
                <option value="sensitive">Match case</option>
                <option value="insensitive">Ignore case</option>
              </select>
              <button
                type="button"
                class="icon"
                aria-label={`Remove alias ${i + 1}${a.text.trim() ? ` “${a.text.trim()}”` : ''}`}
                onClick={() => {
                  onChange(
                    rows.filter((_, j) => j !== i),
                    'aliases',
                  );
                  add.current?.focus();
                }}
              >
                ×
              </button>
              <RowError id={`${id}-${i}-error`} message={err} />
            </li>
          );
        })}
      </ul>
      {listError && <p class="field-error">{listError}</p>}
      <button
        type="button"
        ref={add}
        onClick={() => {
          const row = keyed<Alias>([{ text: '', case: 'auto' }])[0]!;
          focusNew.want(row.key);
          onChange([...rows, row]);
        }}
      >
        Add alias
      </button>
      <p class="hint">
        Letter case: Auto matches short all-capital aliases such as “KH” or “PMF” only in capitals (so “kh” is not
        marked) and ignores case for everything else.
      </p>
    </fieldset>
  );
}

function LinkRows({ rows, errors, listError, onChange }: RowsProps<Keyed<Link>>) {
  const id = useId();
  const add = useRef<HTMLButtonElement>(null);
  const focusNew = useFocusNew();
  const set = (i: number, patch: Partial<Link>, part: string) =>
    onChange(patchRow(rows, i, patch), `links[${i}].${part}`);
  return (
    <fieldset class="edit-rows">
      <legend>Links</legend>
      {rows.length === 0 && <p class="muted">No links.</p>}
      <ul>
        {rows.map((l, i) => {
          const urlError = errors[`links[${i}].url`];
          const titleError = errors[`links[${i}].title`];
          return (
            <li key={l.key} class="edit-row">
              <input
                ref={focusNew.ref(l.key)}
                type="url"
                aria-label={`Link ${i + 1} address`}
                placeholder="https://…"
                aria-invalid={urlError ? true : undefined}
                aria-describedby={urlError ? `${id}-${i}-url` : undefined}
                value={l.url}
                onInput={(e) => set(i, { url: (e.target as HTMLInputElement).value }, 'url')}
              />
              <input
                type="text"
                dir="auto"
                aria-label={`Link ${i + 1} title`}
                placeholder="Title"
                aria-invalid={titleError ? true : undefined}
                aria-describedby={titleError ? `${id}-${i}-title` : undefined}
                value={l.title}
                onInput={(e) => set(i, { title: (e.target as HTMLInputElement).value }, 'title')}
              />
              <button
                type="button"
                class="icon"
                aria-label={`Remove link ${i + 1}`}
                onClick={() => {
                  onChange(
                    rows.filter((_, j) => j !== i),
                    'links',
                  );
                  add.current?.focus();
                }}
              >
                ×
              </button>
              <RowError id={`${id}-${i}-url`} message={urlError} />
              <RowError id={`${id}-${i}-title`} message={titleError} />
            </li>
          );
        })}
      </ul>
      {listError && <p class="field-error">{listError}</p>}
      <button
        type="button"
        ref={add}
        onClick={() => {
          const row = keyed<Link>([{ url: '', title: '' }])[0]!;
          focusNew.want(row.key);
          onChange([...rows, row]);
        }}
      >
        Add link
      </button>
    </fieldset>
  );
}

function RelatedRows({
  api,
  selfId,
  selfName,
  rows,
  errors,
  listError,
  onChange,
}: RowsProps<RelatedRow> & { api: Api; selfId: string | null; selfName: string }) {
  const id = useId();
  const picker = useRef<HTMLDivElement>(null);
  const focusNew = useFocusNew();
  return (
    <fieldset class="edit-rows">
      <legend>Related entities</legend>
      {rows.length === 0 && <p class="muted">None.</p>}
      <ul>
        {rows.map((r, i) => {
          const err = errors[`related[${i}].label`];
          return (
            <li key={r.key} class="edit-row related-row">
              <span class="related-name">
                <span dir="auto">{r.name}</span>{' '}
                {r.kind && <span class={`kind kind-${r.kind}`}>{KIND_LABELS[r.kind]}</span>}
              </span>
              <input
                ref={focusNew.ref(r.key)}
                type="text"
                dir="auto"
                aria-label={`How “${selfName || 'this entity'}” relates to “${r.name}”`}
                placeholder="part of"
                aria-invalid={err ? true : undefined}
                aria-describedby={err ? `${id}-${i}-error` : undefined}
                value={r.label}
                onInput={(e) =>
                  onChange(patchRow(rows, i, { label: (e.target as HTMLInputElement).value }), `related[${i}].`)
                }
              />
              <button
                type="button"
                class="icon"
                aria-label={`Remove related entity “${r.name}”`}
                onClick={() => {
                  onChange(
                    rows.filter((_, j) => j !== i),
                    'related',
                  );
                  picker.current?.querySelector('input')?.focus();
                }}
              >
                ×
              </button>
              <RowError id={`${id}-${i}-error`} message={err} />
            </li>
          );
        })}
      </ul>
      {listError && <p class="field-error">{listError}</p>}
      <div ref={picker}>
        <RecordPicker
          api={api}
          label="Add a related entity"
          placeholder="Search by name or alias"
          exclude={[...(selfId ? [selfId] : []), ...rows.map((r) => r.entity)]}
          onPick={(p) => {
            const row = keyed([{ entity: p.id, label: '', name: p.title, kind: p.kind ?? null }])[0]!;
            focusNew.want(row.key);
            onChange([...rows, row]);
          }}
        />
      </div>
      <p class="hint">Read as “this entity — label — the other”, for example “part of”.</p>
    </fieldset>
  );
}

/** Read-only: the events the entity takes part in, and how many notes are about it. */
function Connections({
  api,
  entityId,
  revision,
  navigate,
}: {
  api: Api;
  entityId: string;
  revision: number;
  navigate: (route: Route) => void;
}) {
  const [state, setState] = useState<{ events: EventRecord[]; notes: number } | { error: string } | null>(null);
  useEffect(() => {
    let current = true;
    void Promise.all([api('events.ofEntity', { entityId }), api('notes.about', { id: entityId })]).then(
      ([events, notes]) => {
        if (!current) return;
        if (!events.ok) setState({ error: events.error.message });
        else if (!notes.ok) setState({ error: notes.error.message });
        else setState({ events: events.value, notes: notes.value.length });
      },
    );
    return () => {
      current = false;
    };
  }, [api, entityId, revision]);

  if (!state)
    return (
      <p role="status" class="muted">
        Loading events and notes…
      </p>
    );
  if ('error' in state)
    return (
      <p role="alert" class="error">
        Events and notes could not be loaded: {state.error}
      </p>
    );
  return (
    <section class="entity-connections" aria-label="Events and notes">
      <h4>Events</h4>
      {state.events.length === 0 ? (
        <p class="muted">No events.</p>
      ) : (
        <ul class="entity-events">
          {state.events.map((ev) => (
            <li key={ev.id}>
              <button type="button" class="link" onClick={() => navigate({ panel: 'events', id: ev.id })}>
                <span dir="auto">{ev.title}</span>
              </button>{' '}
              <span class="muted">{ev.date}</span>
            </li>
          ))}
        </ul>
      )}
      <h4>Notes</h4>
      <p>
        {plural(state.notes, 'note')}{' '}
        <button type="button" class="link" onClick={() => navigate({ panel: 'notes' })}>
          Open notes
        </button>
      </p>
    </section>
  );
}
