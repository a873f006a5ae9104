import { useEffect, useId, useMemo, useRef, useState } from 'preact/hooks';
import type { EntityRecord, PackRecord } from '../../lib/model';
import { isolate } from '../../lib/text';
import type { MergeSummary } from '../../lib/store/store';
import { plural } from '../ui/api';
import { EntityEditor } from './EntityEditor';
import { EntityList } from './EntityList';
import type { PanelProps } from './types';
import './entities.css';

/** What to show in the editor: an entity by id, a new one (id null), or nothing. */
type Target = { id: string | null; how: 'keyboard' | 'pointer' | 'address' | 'merge' } | 'close';

/** The Entities panel: every entity in a list on one side, the one opened in an editor on the other. */
export default function EntitiesPanel({ api, revision, offerUndo, focusId, navigate }: PanelProps) {
  const id = useId();
  const [data, setData] = useState<{ entities: EntityRecord[]; packs: PackRecord[] } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  // `key` remounts the editor for each entity opened (a save of a new entity keeps it).
  const [open, setOpen] = useState<{ id: string | null; key: number; focus: 'name' | 'heading' | null } | null>(null);
  const [pending, setPending] = useState<Target | null>(null);
  const [notice, setNotice] = useState('');
  const [missing, setMissing] = useState(false);
  const dirty = useRef(false);
  const opened = useRef(0);
  const listbox = useRef<HTMLDivElement>(null);
  const keepEditing = useRef<HTMLButtonElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);

  useEffect(() => {
    let current = true;
    void Promise.all([api('entities.list', {}), api('packs.list', {})]).then(([entities, packs]) => {
      if (!current) return;
      if (!entities.ok) return setLoadError(entities.error.message);
      if (!packs.ok) return setLoadError(packs.error.message);
      setLoadError(null);
      setData({ entities: entities.value, packs: packs.value });
    });
    return () => {
      current = false;
    };
  }, [api, revision, reloads]);

  const byId = useMemo(() => new Map(data?.entities.map((e) => [e.id, e])), [data]);

  const show = (target: Target) => {
    setPending(null);
    dirty.current = false;
    if (target === 'close') {
      setOpen(null);
      navigate({ panel: 'entities' });
      listbox.current?.focus();
      return;
    }
    if (target.how !== 'merge') setNotice('');
    const focus = target.id === null || target.how === 'keyboard' ? 'name' : target.how === 'merge' ? 'heading' : null;
    setOpen({ id: target.id, key: ++opened.current, focus });
    if (target.how !== 'address') navigate({ panel: 'entities', id: target.id });
  };
  /** Opens or closes, after asking when the editor has unsaved changes. */
  const request = (target: Target) => {
    if (target !== 'close' && target.id !== null && target.id === open?.id) return;
    if (!dirty.current) return show(target);
    returnTo.current = document.activeElement as HTMLElement | null;
    setPending(target);
  };

  useEffect(() => {
    if (pending) keepEditing.current?.focus();
  }, [pending]);

  // The entity named in the address (#entity=…), once the list is there.
  useEffect(() => {
    if (!focusId || !data || focusId === open?.id) return;
    setMissing(!byId.has(focusId));
    if (byId.has(focusId)) request({ id: focusId, how: 'address' });
  }, [focusId, data === null]);

  const patchEntities = (fn: (list: EntityRecord[]) => EntityRecord[]) =>
    setData((d) => d && { ...d, entities: fn(d.entities) });

  const onSaved = (saved: EntityRecord, created: boolean) => {
    patchEntities((list) => (created ? [...list, saved] : list.map((e) => (e.id === saved.id ? saved : e))));
    if (created) {
      setOpen((o) => o && { ...o, id: saved.id });
      navigate({ panel: 'entities', id: saved.id });
    }
    setNotice('Saved.');
  };

  const onDeleted = (gone: EntityRecord) => {
    patchEntities((list) => list.filter((e) => e.id !== gone.id));
    show('close');
    offerUndo({
      message: `Deleted “${isolate(gone.name)}”.`,
      undo: async () => {
        const r = await api('record.restore', { type: 'entity', id: gone.id });
        if (!r.ok) return r.error.message;
        setReloads((n) => n + 1);
        return null;
      },
    });
  };

  const onMerged = (summary: MergeSummary, goneId: string) => {
    const kept = summary.entity;
    patchEntities((list) => list.filter((e) => e.id !== goneId).map((e) => (e.id === kept.id ? kept : e)));
    show({ id: kept.id, how: 'merge' });
    setNotice(
      `Merged: ${plural(summary.aliases, 'alias', 'aliases')}, ${plural(summary.events, 'event')}, ${plural(summary.notes, 'note')} moved.`,
    );
  };

  const editing = open && (open.id === null ? null : (byId.get(open.id) ?? null));
  const packTitle = (e: EntityRecord | null) =>
    e?.pack ? (data?.packs.find((p) => p.id === e.pack)?.title ?? e.pack) : null;

  return (
    <section class="entities-panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} class="visually-hidden">
        Entities
      </h2>
      {loadError && (
        <div role="alert" class="error entities-error">
          <p>The entities could not be loaded: {loadError}</p>
          <button type="button" onClick={() => setReloads((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}
      {!data && !loadError && (
        <p role="status" class="muted">
          Loading entities…
        </p>
      )}
      {data && (
        <div class="entities-columns">
          <div class="entities-list-column">
            <EntityList
              api={api}
              entities={data.entities}
              packs={data.packs}
              openId={open?.id ?? null}
              onOpen={(entityId, how) => request({ id: entityId, how })}
              onNew={() => request({ id: null, how: 'keyboard' })}
              onShowPacks={() => navigate({ panel: 'packs' })}
              listboxRef={listbox}
            />
          </div>
          <div class="entities-editor-column">
            <p role="status" class="entities-notice">
              {notice}
            </p>
            {missing && (
              <p role="alert" class="error">
                The entity in the address was not found; it may have been deleted.
              </p>
            )}
            {pending && (
              <div
                class="discard-confirm"
                role="alertdialog"
                aria-labelledby={`${id}-discard`}
                onKeyDown={(e) => {
                  if (e.key !== 'Escape') return;
                  e.preventDefault();
                  setPending(null);
                  returnTo.current?.focus();
                }}
              >
                <p id={`${id}-discard`}>You have unsaved changes. Discard them?</p>
                <div class="actions">
                  <button
                    type="button"
                    ref={keepEditing}
                    onClick={() => {
                      setPending(null);
                      returnTo.current?.focus();
                    }}
                  >
                    Keep editing
                  </button>
                  <button type="button" class="danger" onClick={() => show(pending)}>
                    Discard changes
                  </button>
                </div>
              </div>
            )}
            {open && (open.id === null || editing) ? (
              <EntityEditor
                key={open.key}
                api={api}
                entity={editing ?? null}
                packTitle={packTitle(editing ?? null)}
                revision={revision}
                lookup={(entityId) => byId.get(entityId)}
                focusOnOpen={open.focus}
                onSaved={onSaved}
                onDeleted={onDeleted}
                onMerged={onMerged}
                onClose={() => request('close')}
                onDirtyChange={(d) => {
                  dirty.current = d;
                  if (d) setNotice('');
                }}
                navigate={navigate}
              />
            ) : (
              <p class="empty entities-placeholder">Choose an entity to see and edit it, or create a new one.</p>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
