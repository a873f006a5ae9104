import { useEffect, useState } from 'preact/hooks';
import type { EntityRecord } from '../../lib/model';
import type { Result } from '../../lib/result';
import type { StoreStats } from '../../lib/store/store';
import StoreSummary from '../../components/StoreSummary';

export interface ManagerProps {
  /** Reads the store's counts. */
  loadStats: () => Promise<Result<StoreStats>>;
  /** Reads every live entity. */
  loadEntities: () => Promise<Result<EntityRecord[]>>;
  /** The entity to scroll to and highlight ("Open in manager" from a card). */
  focusId: string | null;
}

/**
 * The manager page. For now a read-only overview of the store (the editors, pack import and export,
 * and search come with the popup-and-manager work); "Open in manager" from a card lands on the entity.
 */
export default function Manager({ loadStats, loadEntities, focusId }: ManagerProps) {
  const [stats, setStats] = useState<Result<StoreStats> | null>(null);
  const [entities, setEntities] = useState<Result<EntityRecord[]> | null>(null);
  useEffect(() => {
    void loadStats().then(setStats);
    void loadEntities().then(setEntities);
  }, [loadStats, loadEntities]);
  useEffect(() => {
    if (focusId && entities?.ok) document.getElementById(`entity-${focusId}`)?.scrollIntoView({ block: 'center' });
  }, [focusId, entities]);

  return (
    <main class="popup manager" aria-labelledby="manager-title">
      <h1 id="manager-title">Backstory manager</h1>
      {stats?.ok && <StoreSummary stats={stats.value} />}
      {stats && !stats.ok && <p role="alert">{stats.error.message}</p>}
      <h2 id="entities-title">Entities</h2>
      {entities === null ? (
        <p role="status">Loading…</p>
      ) : !entities.ok ? (
        <p role="alert">{entities.error.message}</p>
      ) : (
        <ul aria-labelledby="entities-title" class="packs">
          {[...entities.value]
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((e) => (
              <li key={e.id} id={`entity-${e.id}`} aria-current={e.id === focusId ? 'true' : undefined}>
                <span class="pack-title" dir="auto">
                  {e.name}
                </span>
                <span class="pack-counts">
                  {e.kind}
                  {e.aliases.length ? ` · ${e.aliases.map((a) => a.text).join(', ')}` : ''}
                </span>
              </li>
            ))}
        </ul>
      )}
    </main>
  );
}
