import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Api } from '../../components/ui/api';
import { UndoBar, useUndo } from '../../components/ui/Undo';
import EntitiesPanel from '../../components/manager/EntitiesPanel';
import EventsPanel from '../../components/manager/EventsPanel';
import NotesPanel from '../../components/manager/NotesPanel';
import PacksPanel from '../../components/manager/PacksPanel';
import SyncPanel from '../../components/manager/SyncPanel';
import type { PanelName, Route, SubscribeProgress } from '../../components/manager/types';
import type { SyncSettings, SyncStatus } from '../../lib/sync/settings';

export interface ManagerProps {
  api: Api;
  /** Where to start (from the address: #entities, #entity=<id>, #packs …). */
  initial: Route;
  /** Calls back whenever the store changed; returns an unsubscribe function. */
  watchRevision: (onChange: () => void) => () => void;
  subscribeProgress: SubscribeProgress;
  /** Keeps the address in step with the panel shown (so reload and Back work). */
  onRoute?: (route: Route) => void;
  /** Asks the user (through the browser) for access to a sync server; false when refused. */
  requestHost: (url: string) => Promise<boolean>;
  /** Calls back whenever the sync status changes; returns an unsubscribe function. */
  watchStatus: (cb: (s: SyncStatus) => void) => () => void;
  getStatus: () => Promise<SyncStatus>;
  /** The sync settings as saved (the sync panel never shows the password). */
  getSettings: () => Promise<SyncSettings>;
}

const PANELS: { name: PanelName; label: string }[] = [
  { name: 'entities', label: 'Entities' },
  { name: 'events', label: 'Events' },
  { name: 'notes', label: 'Notes' },
  { name: 'packs', label: 'Packs' },
  { name: 'sync', label: 'Sync' },
];

/** Reads a route from an address hash: "#entity=<id>", "#event=<id>", "#notes", … */
export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, '');
  const params = new URLSearchParams(h);
  if (params.get('entity')) return { panel: 'entities', id: params.get('entity') };
  if (params.get('event')) return { panel: 'events', id: params.get('event') };
  const name = PANELS.find((p) => p.name === h)?.name;
  return { panel: name ?? 'entities', id: null };
}

export function routeHash(route: Route): string {
  if (route.id && route.panel === 'entities') return `#entity=${encodeURIComponent(route.id)}`;
  if (route.id && route.panel === 'events') return `#event=${encodeURIComponent(route.id)}`;
  return `#${route.panel}`;
}

/**
 * The manager page: everything in the store, one panel at a time behind a tab list (arrow keys move
 * between tabs), one undo bar for every delete.
 */
export default function Manager({
  api,
  initial,
  watchRevision,
  subscribeProgress,
  onRoute,
  requestHost,
  watchStatus,
  getStatus,
  getSettings,
}: ManagerProps) {
  const [route, setRoute] = useState<Route>(initial);
  const [revision, setRevision] = useState(0);
  const { offer, offerUndo, dismiss } = useUndo();
  useEffect(() => watchRevision(() => setRevision((r) => r + 1)), [watchRevision]);
  // A file dropped anywhere but on the packs panel's drop zone must not make the browser open it
  // (and leave the manager).
  useEffect(() => {
    const keep = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    window.addEventListener('dragover', keep);
    window.addEventListener('drop', keep);
    return () => {
      window.removeEventListener('dragover', keep);
      window.removeEventListener('drop', keep);
    };
  }, []);
  const navigate = useCallback(
    (next: Route) => {
      setRoute(next);
      onRoute?.(next);
    },
    [onRoute],
  );
  useEffect(() => {
    const title = PANELS.find((p) => p.name === route.panel)?.label;
    document.title = `${title} · Backstory manager`;
  }, [route.panel]);

  const onTabKey = (e: KeyboardEvent) => {
    const at = PANELS.findIndex((p) => p.name === route.panel);
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    const to = e.key === 'Home' ? 0 : e.key === 'End' ? PANELS.length - 1 : (at + step + PANELS.length) % PANELS.length;
    if (step === 0 && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    navigate({ panel: PANELS[to]!.name });
    document.getElementById(`tab-${PANELS[to]!.name}`)?.focus();
  };

  const common = { api, revision, offerUndo, navigate, focusId: route.id ?? null };
  return (
    <main class="manager" aria-labelledby="manager-title">
      <header class="manager-header">
        <h1 id="manager-title">Backstory</h1>
        <nav role="tablist" aria-label="Manager sections" onKeyDown={onTabKey}>
          {PANELS.map((p) => (
            <button
              key={p.name}
              type="button"
              role="tab"
              id={`tab-${p.name}`}
              aria-controls="manager-panel"
              aria-selected={route.panel === p.name}
              tabIndex={route.panel === p.name ? 0 : -1}
              onClick={() => navigate({ panel: p.name })}
            >
              {p.label}
            </button>
          ))}
        </nav>
      </header>
      <div id="manager-panel" role="tabpanel" aria-labelledby={`tab-${route.panel}`} tabIndex={-1}>
        {route.panel === 'entities' && <EntitiesPanel {...common} />}
        {route.panel === 'events' && <EventsPanel {...common} />}
        {route.panel === 'notes' && <NotesPanel {...common} />}
        {route.panel === 'packs' && <PacksPanel {...common} subscribeProgress={subscribeProgress} />}
        {route.panel === 'sync' && (
          <SyncPanel
            {...common}
            requestHost={requestHost}
            watchStatus={watchStatus}
            getStatus={getStatus}
            getSettings={getSettings}
          />
        )}
      </div>
      <UndoBar offer={offer} dismiss={dismiss} />
    </main>
  );
}
