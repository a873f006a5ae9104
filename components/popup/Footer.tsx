import { useEffect, useState } from 'preact/hooks';
import type { Result } from '../../lib/result';
import type { StoreStats } from '../../lib/store/store';
import { plural, type Api } from '../ui/api';

export interface FooterProps {
  api: Api;
  revision: number;
  syncStatus: () => Promise<string | null>;
  openManager: (hash: string) => void;
}

/** Sync in one line, and what the store holds in small print. */
export function Footer({ api, revision, syncStatus, openManager }: FooterProps) {
  const [sync, setSync] = useState<string | null | undefined>(undefined);
  const [stats, setStats] = useState<Result<StoreStats> | null>(null);

  useEffect(() => {
    let live = true;
    syncStatus().then(
      (s) => live && setSync(s),
      () => live && setSync(null),
    );
    return () => {
      live = false;
    };
  }, [syncStatus, revision]);

  useEffect(() => {
    let live = true;
    void api('store.stats', {}).then((r) => live && setStats(r));
    return () => {
      live = false;
    };
  }, [api, revision]);

  return (
    <footer class="popup-footer small">
      <p>
        {sync === undefined ? (
          <span class="muted">Sync: …</span>
        ) : (
          <>
            {sync ?? 'Sync: not set up'} ·{' '}
            <button type="button" class="link" onClick={() => openManager('#sync')}>
              {sync === null ? 'Set up' : 'Sync settings'}
            </button>
          </>
        )}
      </p>
      <p class={stats && !stats.ok ? 'error' : 'muted'}>
        {stats === null
          ? 'Counting…'
          : stats.ok
            ? `${plural(stats.value.entities, 'entity', 'entities')} · ${plural(stats.value.events, 'event')} · ${plural(stats.value.notes, 'note')}`
            : stats.error.message}
      </p>
    </footer>
  );
}
