import { useEffect, useRef, useState } from 'preact/hooks';
import { Message } from '../ui/Message';
import type { RecordType } from '../../lib/model';
import { isolate } from '../../lib/text';
import type { AppError } from '../../lib/result';
import type { ConflictItem } from '../../lib/store/store';
import { plural, type Api } from '../ui/api';

type Loaded =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | { state: 'ready'; items: ConflictItem[]; names: ReadonlyMap<string, string> };

type ConflictField = ConflictItem['fields'][number];

const TYPE_LABEL: Record<RecordType, string> = { entity: 'Entity', event: 'Event', note: 'Note' };

const FIELD_LABEL: Record<string, string> = {
  name: 'Name',
  kind: 'Kind',
  aliases: 'Aliases',
  summary: 'Summary',
  links: 'Links',
  tags: 'Tags',
  related: 'Related entities',
  title: 'Title',
  date: 'Date',
  endDate: 'End date',
  place: 'Place',
  sources: 'Sources',
  entities: 'Entities involved',
  about: 'About',
  text: 'Text',
  page: 'Page it was taken from',
};
const fieldLabel = (field: string) => FIELD_LABEL[field] ?? field;

/**
 * Fields whose values hold record ids: shown by the records' names. (List fields never conflict:
 * concurrent lists are merged as their union, see lib/sync/merge.ts.)
 */
const ID_FIELDS = new Set(['place', 'about']);

/**
 * One value as a person reads it: ids as names, lists as comma lists, other objects as JSON. Texts put
 * side by side are isolated, so that a direction override in one cannot reorder the others.
 */
function describeValue(field: string, value: unknown, names: ReadonlyMap<string, string>): string {
  if (value === null || value === undefined || value === '') return '';
  if (field === 'place' && typeof value === 'string') return names.get(value) ?? value;
  if (field === 'about' && typeof value === 'object') {
    const id = (value as { id?: unknown }).id;
    return typeof id === 'string' ? (names.get(id) ?? id) : JSON.stringify(value);
  }
  if (field === 'page' && typeof value === 'object') {
    const { title, url, quote } = value as { title?: string; url?: string; quote?: string };
    return [title, url, quote ? `“${isolate(quote)}”` : '']
      .filter((s): s is string => !!s)
      .map(isolate)
      .join('\n');
  }
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => isolate(typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  return JSON.stringify(value, null, 2);
}

/**
 * Settles one field: its chosen value is written with a fresh stamp (`sync.resolve`), a write that has
 * seen every value, so the conflict is gone on every device once it syncs. Choice 0 is the value shown
 * now; the others count from 1.
 */
async function keep(api: Api, item: ConflictItem, field: ConflictField, choice: number): Promise<AppError | null> {
  const value = choice === 0 ? field.current : field.others[choice - 1];
  const r = await api('sync.resolve', { type: item.type, id: item.id, field: field.field, value });
  return r.ok ? null : r.error;
}

export interface ConflictsViewProps {
  api: Api;
  /** Changes whenever what is shown may be stale (store edits, a sync finished). */
  reloadKey: string;
  /** After a conflict was settled (the page refreshes what depends on the store). */
  onResolved: () => void;
}

/**
 * Records whose fields were edited on two devices at once: the value shown now and each other one,
 * side by side, with "Keep this" on every value.
 */
export default function ConflictsView({ api, reloadKey, onResolved }: ConflictsViewProps) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const messageBox = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    let current = true;
    void (async () => {
      const r = await api('sync.conflicts', {});
      if (!r.ok) return current && setLoaded({ state: 'error', message: r.error.message });
      const names = new Map<string, string>();
      // Ids are shown by name: read the names only when a conflict holds ids.
      if (r.value.some((c) => c.fields.some((f) => ID_FIELDS.has(f.field)))) {
        const [entities, events] = await Promise.all([api('entities.list', {}), api('events.list', {})]);
        for (const e of entities.ok ? entities.value : []) names.set(e.id, e.name);
        for (const e of events.ok ? events.value : []) names.set(e.id, e.title);
      }
      if (current) setLoaded({ state: 'ready', items: r.value, names });
    })();
    return () => {
      current = false;
    };
  }, [api, reloadKey, tick]);

  const choose = async (item: ConflictItem, field: ConflictField, choice: number) => {
    setBusy(true);
    const error = await keep(api, item, field, choice);
    setBusy(false);
    setMessage(
      error
        ? { text: `Not saved: ${error.message}`, error: true }
        : {
            text: `Kept the chosen ${fieldLabel(field.field).toLowerCase()} of “${isolate(item.title)}”.`,
            error: false,
          },
    );
    // The button used is gone (or the list moved): the message takes the focus.
    setTimeout(() => messageBox.current?.focus());
    if (error) return;
    setTick((t) => t + 1);
    onResolved();
  };

  return (
    <section class="sync-section" aria-labelledby="sync-conflicts-title">
      <h3 id="sync-conflicts-title">Conflicts</h3>
      <Message message={message} box={messageBox} />
      {loaded.state === 'loading' && (
        <p role="status" class="muted">
          Loading conflicts…
        </p>
      )}
      {loaded.state === 'error' && (
        <p role="alert" class="error">
          The conflicts could not be loaded: {loaded.message}
        </p>
      )}
      {loaded.state === 'ready' && loaded.items.length === 0 && (
        <p class="empty">No conflicts: every record reads the same on all your devices.</p>
      )}
      {loaded.state === 'ready' && loaded.items.length > 0 && (
        <>
          <p class="muted">
            {plural(loaded.items.length, 'record was', 'records were')} edited on two devices at once. Choose the value
            to keep; the others are dropped on every device.
          </p>
          <ul class="conflict-list" aria-labelledby="sync-conflicts-title">
            {loaded.items.map((item) => (
              <li key={`${item.type}:${item.id}`} class="conflict">
                <h4>
                  <span dir="auto">{item.title}</span> <span class="kind">{TYPE_LABEL[item.type]}</span>
                </h4>
                {item.fields.map((f) => (
                  <div
                    key={f.field}
                    class="conflict-field"
                    role="group"
                    aria-label={`${fieldLabel(f.field)} of ${item.title}`}
                  >
                    <p class="field-label">{fieldLabel(f.field)}</p>
                    <ul class="conflict-values">
                      {[f.current, ...f.others].map((value, i) => (
                        <li key={i}>
                          <p class="muted conflict-which">
                            {i === 0 ? 'Shown now' : `From another device${f.others.length > 1 ? ` (${i})` : ''}`}
                          </p>
                          <ValueText text={describeValue(f.field, value, loaded.names)} />
                          <button type="button" disabled={busy} onClick={() => void choose(item, f, i)}>
                            Keep this
                            <span class="visually-hidden">
                              {' '}
                              {i === 0 ? 'value shown now' : 'value from another device'}
                            </span>
                          </button>
                        </li>
                      ))}
                    </ul>
                  </div>
                ))}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function ValueText({ text }: { text: string }) {
  return text ? (
    <p class="conflict-value" dir="auto">
      {text}
    </p>
  ) : (
    <p class="conflict-value muted">(empty)</p>
  );
}
