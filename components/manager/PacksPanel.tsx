import { useEffect, useRef, useState } from 'preact/hooks';
import { Message } from '../ui/Message';
import type { PackRecord } from '../../lib/model';
import type { RemoveNotes } from '../../lib/store/packs';
import type { StoreStats } from '../../lib/store/store';
import { isolate } from '../../lib/text';
import SafeLink from '../card/SafeLink';
import { plural } from '../ui/api';
import { downloadJson, localDate } from './EntityList';
import PackImport, { usePackImport } from './PackImport';
import RemovePackDialog from './RemovePackDialog';
import type { PanelProps, SubscribeProgress } from './types';
import './panels.css';

type Pack = PackRecord & { entities: number; events: number };

type Loaded =
  { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; packs: Pack[]; stats: StoreStats };

const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const when = (ms: number) => <time dateTime={new Date(ms).toISOString()}>{day.format(ms)}</time>;

/** "a, b and c" */
const list = (parts: string[]) =>
  parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : (parts[0] ?? '');

/** "Removed 27 entities and 11 events; kept 2 you wrote notes about." */
function removalSummary(r: { entities: number; events: number; notes: number; kept: number }): string {
  const removed = [plural(r.entities, 'entity', 'entities'), plural(r.events, 'event')];
  if (r.notes) removed.push(plural(r.notes, 'note'));
  return `Removed ${list(removed)}${r.kept ? `; kept ${r.kept.toLocaleString()} you wrote notes about` : ''}.`;
}

/** A file name made of a pack's id and version (both mostly safe already; anything odd becomes "-"). */
const fileName = (p: Pick<PackRecord, 'id' | 'version'>) => `${p.id}-${p.version}`.replace(/[^\w.-]+/g, '-') + '.json';

/**
 * The installed packs (details, counts, export, remove), a whole-store export, and importing a pack or
 * a spreadsheet (file picker, or a file dropped anywhere on the panel).
 */
export default function PacksPanel({
  api,
  revision,
  subscribeProgress,
}: PanelProps & { subscribeProgress: SubscribeProgress }) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  // Bumped after this panel's own writes (the page's revision also follows them, but not in tests).
  const [tick, setTick] = useState(0);
  const [withNotes, setWithNotes] = useState<ReadonlySet<string>>(new Set());
  const [removing, setRemoving] = useState<Pack | null>(null);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);
  const messageBox = useRef<HTMLParagraphElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const importer = usePackImport(api, subscribeProgress, () => setTick((t) => t + 1));

  useEffect(() => {
    let current = true;
    void Promise.all([api('store.stats', {}), api('packs.list', {})]).then(([stats, packs]) => {
      if (!current) return;
      if (!stats.ok || !packs.ok) {
        const failed = !stats.ok ? stats.error : !packs.ok ? packs.error : null;
        setLoaded({ state: 'error', message: failed?.message ?? 'The packs could not be loaded.' });
        return;
      }
      const details = new Map(packs.value.map((p) => [p.id, p]));
      // Stats list the packs by title, with their counts; the details come from the pack records.
      const rows = stats.value.packs.flatMap((s) => {
        const p = details.get(s.id);
        return p ? [{ ...p, entities: s.entities, events: s.events }] : [];
      });
      setLoaded({ state: 'ready', packs: rows, stats: stats.value });
    });
    return () => {
      current = false;
    };
  }, [api, revision, tick]);

  /** Shows (and announces) what happened; `focus` when the control that was used is gone. */
  const say = (text: string, { error = false, focus = false } = {}) => {
    setMessage({ text, error });
    if (focus) setTimeout(() => messageBox.current?.focus());
  };

  const exportPack = async (pack: Pack | null) => {
    const r = await api('pack.export', pack ? { packId: pack.id, includeNotes: withNotes.has(pack.id) } : {});
    if (!r.ok) return say(`Not exported: ${r.error.message}`, { error: true });
    const name = pack ? fileName(pack) : `backstory-export-${localDate()}.json`;
    downloadJson(r.value, name);
    say(`Exported ${pack ? `“${isolate(pack.title)}”` : 'everything'} as ${name}.`);
  };

  const remove = async (pack: Pack, notes: RemoveNotes) => {
    const r = await api('pack.remove', { packId: pack.id, notes });
    if (!r.ok) return r.error.message;
    setRemoving(null);
    opener.current = null;
    setTick((t) => t + 1);
    say(removalSummary(r.value), { focus: true });
    return null;
  };

  const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
  const dragHandlers = {
    onDragEnter: (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      dragDepth.current++;
      setDragging(true);
    },
    onDragOver: (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault(); // allows the drop
      e.dataTransfer!.dropEffect = 'copy';
    },
    onDragLeave: () => {
      dragDepth.current = Math.max(0, dragDepth.current - 1);
      if (dragDepth.current === 0) setDragging(false);
    },
    onDrop: (e: DragEvent) => {
      e.preventDefault();
      dragDepth.current = 0;
      setDragging(false);
      const file = e.dataTransfer?.files[0];
      if (file) void importer.importFile(file);
    },
  };

  return (
    <section class={`panel packs-panel${dragging ? ' dragging' : ''}`} aria-labelledby="packs-title" {...dragHandlers}>
      <div class="panel-head">
        <h2 id="packs-title">Packs</h2>
        <button type="button" onClick={() => void exportPack(null)}>
          Export everything
        </button>
      </div>
      <Message message={message} box={messageBox} />
      {loaded.state === 'loading' && (
        <p role="status" class="muted">
          Loading packs…
        </p>
      )}
      {loaded.state === 'error' && (
        <p role="alert" class="error">
          {loaded.message}
        </p>
      )}
      {loaded.state === 'ready' && (
        <>
          <p class="muted">
            Your store holds {plural(loaded.stats.entities, 'entity', 'entities')},{' '}
            {plural(loaded.stats.events, 'event')} and {plural(loaded.stats.notes, 'note')}.
          </p>
          {loaded.packs.length === 0 ? (
            <p class="empty">No packs installed. Import one below.</p>
          ) : (
            <ul class="pack-list" aria-label="Installed packs">
              {loaded.packs.map((p) => (
                <li key={p.id} class="pack-card">
                  <h3 dir="auto">
                    <bdi>{p.title}</bdi> <bdi class="muted">{p.version}</bdi>
                  </h3>
                  {p.description && (
                    <p dir="auto" class="pack-description">
                      {p.description}
                    </p>
                  )}
                  <p>
                    {plural(p.entities, 'entity', 'entities')} · {plural(p.events, 'event')}
                  </p>
                  <dl class="pack-meta">
                    {p.authors.length > 0 && (
                      <div>
                        <dt>{p.authors.length === 1 ? 'Author' : 'Authors'}</dt>
                        <dd dir="auto">{p.authors.map(isolate).join(', ')}</dd>
                      </div>
                    )}
                    {p.license && (
                      <div>
                        <dt>License</dt>
                        <dd dir="auto">{p.license}</dd>
                      </div>
                    )}
                    {p.homepage && (
                      <div>
                        <dt>Homepage</dt>
                        <dd>
                          <SafeLink link={{ url: p.homepage, title: '' }} />
                        </dd>
                      </div>
                    )}
                    <div>
                      <dt>Installed</dt>
                      <dd>{when(p.installedAt)}</dd>
                    </div>
                    {p.updatedAt !== p.installedAt && (
                      <div>
                        <dt>Updated</dt>
                        <dd>{when(p.updatedAt)}</dd>
                      </div>
                    )}
                  </dl>
                  <div class="actions">
                    <label class="check">
                      <input
                        type="checkbox"
                        checked={withNotes.has(p.id)}
                        onChange={(e) => {
                          const next = new Set(withNotes);
                          if (e.currentTarget.checked) next.add(p.id);
                          else next.delete(p.id);
                          setWithNotes(next);
                        }}
                      />
                      Include my notes about its records
                      <span class="visually-hidden"> in the export of {p.title}</span>
                    </label>
                    <button type="button" onClick={() => void exportPack(p)}>
                      Export<span class="visually-hidden"> {p.title}</span>
                    </button>
                    <button
                      type="button"
                      class="danger"
                      onClick={(e) => {
                        opener.current = e.currentTarget;
                        setRemoving(p);
                      }}
                    >
                      Remove<span class="visually-hidden"> {p.title}</span>
                    </button>
                  </div>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <PackImport importer={importer} dragging={dragging} />
      {removing && (
        <RemovePackDialog
          pack={removing}
          onRemove={(notes) => remove(removing, notes)}
          onClose={() => {
            setRemoving(null);
            opener.current?.focus();
          }}
        />
      )}
    </section>
  );
}
