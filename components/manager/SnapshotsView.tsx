import { useEffect, useRef, useState } from 'preact/hooks';
import { KEEP, SNAPSHOT_BUDGET, type SnapshotInfo, type SnapshotReason } from '../../lib/store/snapshots';
import { plural, type Api } from '../ui/api';
import { InlineConfirm } from '../ui/InlineConfirm';
import './snapshots.css';

/** The parts of the browser's storage manager (`navigator.storage`) this view uses. */
export type StorageAccess = Pick<StorageManager, 'persisted' | 'persist' | 'estimate'>;

export interface SnapshotsViewProps {
  api: Api;
  /** Changes whenever the store may have changed: the list and the counts are read again. */
  reloadKey: string;
  /** The browser's storage manager, or null where the browser has none (handed in: tests pass a fake). */
  storage: StorageAccess | null;
  /**
   * The browser never evicts this extension's data, persistent or not: Chrome exempts extensions with
   * the `unlimitedStorage` permission from eviction (and reports `persisted()` false all the same).
   */
  evictionExempt?: boolean;
  /** Called after a restore changed the store. */
  onRestored: () => void;
}

const REASON: Record<SnapshotReason, string> = {
  daily: 'Daily',
  manual: 'Taken by you',
  'before-import': 'Before an import',
  'before-pack-remove': 'Before a pack was removed',
  'before-backup-import': 'Before a backup was imported',
  'before-merge': 'Before a merge',
  'before-restore': 'Before a restore',
};

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A size as people read it: 640 bytes, 12 kB, 3.4 MB, 100 MB. */
function size(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const [value, unit] =
    bytes < 1e6 ? [bytes / 1e3, 'kB'] : bytes < 1e9 ? [bytes / 1e6, 'MB'] : ([bytes / 1e9, 'GB'] as const);
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

const contentsOf = (c: SnapshotInfo['counts']) =>
  [
    plural(c.entities, 'entity', 'entities'),
    plural(c.events, 'event'),
    plural(c.notes, 'note'),
    plural(c.packs, 'pack'),
  ].join(', ');

type Note = { text: string; error: boolean } | null;

/**
 * This device's safety net: whether the browser keeps Backstory's data when space runs low (and
 * asking it to), damaged records that were set aside, and the rolling local snapshots of the whole
 * store, each restorable (a restore is itself undoable: the state before it is snapshotted first).
 */
export default function SnapshotsView({
  api,
  reloadKey,
  storage,
  evictionExempt = false,
  onRestored,
}: SnapshotsViewProps) {
  const [list, setList] = useState<SnapshotInfo[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [damaged, setDamaged] = useState(0);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [note, setNote] = useState<Note>(null);
  const noteBox = useRef<HTMLParagraphElement>(null);
  const listBox = useRef<HTMLUListElement>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let current = true;
    void Promise.all([api('snapshots.list', {}), api('store.stats', {})]).then(([snapshots, stats]) => {
      if (!current) return;
      if (snapshots.ok) {
        setList(snapshots.value);
        setLoadError(null);
      } else setLoadError(snapshots.error.message);
      if (stats.ok) setDamaged(stats.value.damaged);
    });
    return () => {
      current = false;
    };
  }, [api, reloadKey, tick]);

  const tell = (next: Note) => {
    setNote(next);
    setTimeout(() => noteBox.current?.focus());
  };

  const take = async () => {
    setBusy('take');
    const r = await api('snapshots.create', {});
    setBusy(null);
    tell(
      r.ok
        ? { text: `Snapshot taken: ${contentsOf(r.value.counts)}.`, error: false }
        : { text: `No snapshot taken: ${r.error.message}`, error: true },
    );
    setTick((t) => t + 1);
  };

  const restore = async (s: SnapshotInfo) => {
    setBusy(s.id);
    const r = await api('snapshots.restore', { id: s.id });
    setBusy(null);
    setConfirming(null);
    if (!r.ok) {
      tell({ text: `Not restored: ${r.error.message}`, error: true });
      return;
    }
    const undo = r.value.undo
      ? ` To undo it, restore the snapshot “${REASON[r.value.undo.reason]}” of ${dateTime.format(r.value.undo.at)}.`
      : '';
    tell({
      text: `Restored the snapshot of ${dateTime.format(s.at)}: ${plural(r.value.restored, 'record')} changed.${undo}`,
      error: false,
    });
    setTick((t) => t + 1);
    onRestored();
  };

  const remove = async (s: SnapshotInfo) => {
    setBusy(s.id);
    const r = await api('snapshots.delete', { id: s.id });
    setBusy(null);
    tell(
      r.ok
        ? { text: `Deleted the snapshot of ${dateTime.format(s.at)}.`, error: false }
        : { text: `Not deleted: ${r.error.message}`, error: true },
    );
    setTick((t) => t + 1);
  };

  return (
    <section class="sync-section snapshots" aria-labelledby="snapshots-title">
      <h3 id="snapshots-title">Local snapshots</h3>
      <Persistence storage={storage} reloadKey={`${reloadKey}:${tick}`} exempt={evictionExempt} />
      {damaged > 0 && (
        <p role="alert" class="error">
          {plural(damaged, 'damaged record')} {damaged === 1 ? 'was' : 'were'} found in the store and set aside, so that
          everything else keeps working. {damaged === 1 ? 'It is' : 'They are'} kept apart, not shown and not synced. A
          snapshot from before the damage, or a sync from another device, brings the data back.
        </p>
      )}
      <p class="muted">
        Copies of your whole store, kept on this device: one a day, and one before each import, pack removal, backup
        import, merge and restore. Kept: the newest {KEEP.daily} daily copies, {KEEP.manual} you took and{' '}
        {KEEP.operation} taken before changes, in {size(SNAPSHOT_BUDGET)} at most.
      </p>
      <div class="actions">
        <button type="button" disabled={busy !== null} onClick={() => void take()}>
          Take a snapshot now
        </button>
        <span role="status">{busy === 'take' ? 'Taking a snapshot…' : ''}</span>
      </div>
      {note && (
        <p ref={noteBox} tabIndex={-1} role={note.error ? 'alert' : 'status'} class={note.error ? 'error' : 'ok'}>
          {note.text}
        </p>
      )}
      {loadError && (
        <p role="alert" class="error">
          The snapshots could not be loaded: {loadError}
        </p>
      )}
      {!list && !loadError && (
        <p role="status" class="muted">
          Loading snapshots…
        </p>
      )}
      {list?.length === 0 && <p class="empty">No snapshot yet.</p>}
      {list && list.length > 0 && (
        <ul class="snapshot-list" aria-labelledby="snapshots-title" ref={listBox}>
          {list.map((s) => (
            <li key={s.id}>
              <span class="snapshot-when">
                <time dateTime={new Date(s.at).toISOString()}>{dateTime.format(s.at)}</time> · {REASON[s.reason]}
              </span>
              <span class="muted snapshot-what">
                {contentsOf(s.counts)} · {size(s.bytes)}
              </span>
              {confirming === s.id ? (
                <InlineConfirm
                  question={`Put the whole store back as it was on ${dateTime.format(s.at)}? What changed since is undone here and on your synced devices. The current state is snapshotted first, so you can undo this.`}
                  yes="Restore this snapshot"
                  working="Restoring…"
                  busy={busy === s.id}
                  onYes={() => void restore(s)}
                  onCancel={() => {
                    setConfirming(null);
                    setTimeout(() => listBox.current?.querySelector<HTMLElement>(`[data-restore="${s.id}"]`)?.focus());
                  }}
                />
              ) : (
                <span class="actions">
                  <button
                    type="button"
                    data-restore={s.id}
                    disabled={busy !== null}
                    onClick={() => setConfirming(s.id)}
                  >
                    Restore<span class="visually-hidden"> the snapshot of {dateTime.format(s.at)}</span>
                  </button>
                  <button type="button" disabled={busy !== null} onClick={() => void remove(s)}>
                    Delete<span class="visually-hidden"> the snapshot of {dateTime.format(s.at)}</span>
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

type Persisted =
  { state: 'loading' } | { state: 'unknown' } | { state: 'known'; persisted: boolean; usage: number | null };

/** Whether the browser keeps the data when space runs low, in plain words, with a way to ask it to. */
function Persistence({
  storage,
  reloadKey,
  exempt,
}: {
  storage: StorageAccess | null;
  reloadKey: string;
  exempt: boolean;
}) {
  const [known, setKnown] = useState<Persisted>({ state: storage ? 'loading' : 'unknown' });
  const [asking, setAsking] = useState(false);
  const [refused, setRefused] = useState(false);

  useEffect(() => {
    if (!storage) return;
    let current = true;
    void Promise.all([storage.persisted(), storage.estimate().catch(() => null)]).then(
      ([persisted, estimate]) => current && setKnown({ state: 'known', persisted, usage: estimate?.usage ?? null }),
      () => current && setKnown({ state: 'unknown' }),
    );
    return () => {
      current = false;
    };
  }, [storage, reloadKey]);

  const ask = async () => {
    if (!storage) return;
    setAsking(true);
    const granted = await storage.persist().catch(() => false);
    setAsking(false);
    setRefused(!granted);
    if (granted) setKnown((k) => (k.state === 'known' ? { ...k, persisted: true } : k));
  };

  if (known.state === 'loading') return null;
  if (!storage || known.state === 'unknown')
    return <p class="muted persistence">This browser does not say whether it keeps Backstory’s data.</p>;
  const used = known.usage !== null ? ` It takes ${size(known.usage)} on this device.` : '';
  if (!known.persisted && exempt)
    return (
      <p class="persistence">
        <strong>Storage: kept.</strong> This browser never clears the data of an extension allowed unlimited storage, as
        Backstory is, even when disk space runs low.{used}
      </p>
    );
  if (known.persisted)
    return (
      <p class="persistence">
        <strong>Storage: persistent.</strong> The browser keeps Backstory’s data even when disk space runs low.{used}
      </p>
    );
  return (
    <div class="persistence">
      <p>
        <strong>Storage: not persistent.</strong> Backstory’s data may be cleared by the browser when space runs low.
        {used}
      </p>
      <div class="actions">
        <button type="button" disabled={asking} onClick={() => void ask()}>
          Ask the browser to keep it
        </button>
        <span role="status">{asking ? 'Asking the browser…' : ''}</span>
      </div>
      {refused && (
        <p role="status">
          The browser said no (it decides by how you use it). Keep a backup file, or sync with another device, to be
          safe.
        </p>
      )}
    </div>
  );
}
