import { useEffect, useState } from 'preact/hooks';
import type { Result } from '../../lib/result';
import type { StoreStats } from '../../lib/store/store';
import StoreSummary from '../../components/StoreSummary';

export interface AppProps {
  /** Reads the store's counts (the background call in the extension, a fake in tests). */
  loadStats: () => Promise<Result<StoreStats>>;
}

export default function App({ loadStats }: AppProps) {
  const [state, setState] = useState<Result<StoreStats> | null>(null);
  useEffect(() => {
    let live = true;
    loadStats().then((r) => live && setState(r));
    return () => {
      live = false;
    };
  }, [loadStats]);

  return (
    <main class="popup" aria-labelledby="popup-title">
      <header>
        <h1 id="popup-title">Backstory</h1>
      </header>
      {state === null ? (
        <p role="status">Loading your knowledge store…</p>
      ) : state.ok ? (
        <StoreSummary stats={state.value} />
      ) : (
        <p role="alert" class="error">
          {state.error.message}
        </p>
      )}
    </main>
  );
}
