import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface UndoOffer {
  /** What happened, in a few words ("Note deleted."). */
  message: string;
  /** Puts it back; resolves to an error message, or null when it worked. */
  undo: () => Promise<string | null>;
}

/** How long an undo stays on offer. */
export const UNDO_MS = 10_000;

/**
 * The undo offer after a delete: one at a time, announced politely, with a button reachable from the
 * keyboard (Ctrl/Cmd+Z works too while it is shown).
 */
export function useUndo() {
  const [offer, setOffer] = useState<UndoOffer | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const offerUndo = useCallback((next: UndoOffer) => {
    clearTimeout(timer.current);
    setOffer(next);
    timer.current = setTimeout(() => setOffer(null), UNDO_MS);
  }, []);
  useEffect(() => () => clearTimeout(timer.current), []);
  return { offer, offerUndo, dismiss: () => setOffer(null) };
}

export function UndoBar({ offer, dismiss }: { offer: UndoOffer | null; dismiss: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setError(null), [offer]);
  const run = useCallback(async () => {
    if (!offer || busy) return;
    setBusy(true);
    const failure = await offer.undo();
    setBusy(false);
    if (failure) setError(failure);
    else dismiss();
  }, [offer, busy, dismiss]);
  useEffect(() => {
    if (!offer) return;
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z' && !typing) {
        e.preventDefault();
        void run();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [offer, run]);
  return (
    <div class="undo-bar" role="status" aria-live="polite">
      {offer && (
        <>
          <span>{error ?? offer.message}</span>
          {!error && (
            <button type="button" onClick={() => void run()} disabled={busy}>
              Undo
            </button>
          )}
          <button type="button" class="icon" aria-label="Dismiss" onClick={dismiss}>
            ×
          </button>
        </>
      )}
    </div>
  );
}
