import type { StoreStats } from '../lib/store/store';

export interface StoreSummaryProps {
  /** Counts of the store and of each installed pack. */
  stats: StoreStats;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** What the store holds: totals, then one row per installed pack. */
export default function StoreSummary({ stats }: StoreSummaryProps) {
  return (
    <section aria-labelledby="store-summary-title" class="store-summary">
      <h2 id="store-summary-title">Your knowledge store</h2>
      <p class="totals">
        {plural(stats.entities, 'entity', 'entities')} · {plural(stats.events, 'event')} · {plural(stats.notes, 'note')}
      </p>
      {stats.packs.length === 0 ? (
        <p class="empty">No packs installed.</p>
      ) : (
        <ul aria-label="Installed packs" class="packs">
          {stats.packs.map((p) => (
            <li key={p.id}>
              <span class="pack-title">{p.title}</span>
              <span class="pack-counts">
                {plural(p.entities, 'entity', 'entities')}, {plural(p.events, 'event')}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
