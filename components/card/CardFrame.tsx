import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { callBackground } from '../../lib/client';
import { isCardFrameMessage, type CardFrameMessage, type TabCallMessage } from '../../lib/messages';
import type { CardData } from '../../lib/store/store';
import Card, { type CardTheme, type SeenPage } from './Card';

export interface CardFrameProps {
  /** The random token the content script put in this frame's URL; messages without it are not ours. */
  token: string;
}

interface Loaded {
  data: CardData | null;
  seen: SeenPage[];
  error: string | null;
}

interface Shown {
  entityId: string;
  matched: string;
}

/**
 * The card's frame: an extension page inside the tab, so the page's scripts cannot read it, and the
 * card can save notes (only extension pages may write). The content script tells it what to show; it
 * fetches the data itself (prefetched while the pointer rests) and reports its height back.
 */
export default function CardFrame({ token }: CardFrameProps) {
  const cache = useRef(new Map<string, Promise<Loaded>>());
  const reply = useRef<{ tabId: number; frameId: number } | null>(null);
  const [shown, setShown] = useState<Shown | null>(null);
  const [history, setHistory] = useState<Shown[]>([]);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [theme, setTheme] = useState<CardTheme>('light');
  const [pinned, setPinned] = useState(false);
  const [page, setPage] = useState<{ url: string; title: string } | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const wantFocus = useRef(false);

  const tell = useCallback((message: TabCallMessage) => {
    const target = reply.current;
    if (!target) return;
    browser.tabs.sendMessage(target.tabId, message, { frameId: target.frameId }).catch(() => {});
  }, []);

  const load = useCallback((entityId: string, fresh = false): Promise<Loaded> => {
    const cached = cache.current.get(entityId);
    if (cached && !fresh) return cached;
    const next = Promise.all([callBackground('card.get', { entityId }), callBackground('seen.get', { entityId })]).then(
      ([card, seen]): Loaded => ({
        data: card.ok ? card.value : null,
        seen: seen.ok ? seen.value : [],
        error: card.ok ? (card.value ? null : 'This entity no longer exists.') : card.error.message,
      }),
    );
    cache.current.set(entityId, next);
    return next;
  }, []);

  const display = useCallback(
    async (next: Shown) => {
      setShown(next);
      const first = await load(next.entityId);
      setLoaded(first);
      // Shown from the prefetch at once; refreshed in case notes changed since.
      const fresh = await load(next.entityId, true);
      setShown((current) => {
        if (current?.entityId === next.entityId) setLoaded(fresh);
        return current;
      });
    },
    [load],
  );

  useEffect(() => {
    const onMessage = (
      message: unknown,
      sender: { id?: string; tab?: { id?: number }; frameId?: number; url?: string },
    ) => {
      if (!isCardFrameMessage(message) || message.token !== token || sender.id !== browser.runtime.id) return undefined;
      if (sender.tab?.id !== undefined) reply.current = { tabId: sender.tab.id, frameId: sender.frameId ?? 0 };
      handle(message, sender.url);
      return undefined;
    };
    const handle = (message: CardFrameMessage, url: string | undefined) => {
      if (message.type === 'prefetch') void load(message.entityId);
      else if (message.type === 'show') {
        setTheme(message.theme);
        setHistory([]);
        setPinned(false);
        setPage(url ? { url, title: message.pageTitle } : null);
        wantFocus.current = message.focus;
        if (message.focus) setPinned(true);
        void display({ entityId: message.entityId, matched: message.matched });
      } else if (message.type === 'hide') {
        setShown(null);
        setLoaded(null);
        setHistory([]);
      }
    };
    browser.runtime.onMessage.addListener(onMessage);
    return () => browser.runtime.onMessage.removeListener(onMessage);
  }, [token, load, display]);

  // The host sizes the frame to the card: report the card's natural height (its scrolling body's
  // whole content, not what the frame shows of it) whenever anything in it changes.
  useEffect(() => {
    const el = root.current;
    if (!el) return;
    let queued = false;
    let last = -1;
    const measure = () => {
      queued = false;
      const card = el.querySelector<HTMLElement>('.bs-card');
      if (!card) return;
      const body = card.querySelector<HTMLElement>('.bs-body');
      const natural = body ? card.offsetHeight - body.clientHeight + body.scrollHeight : card.scrollHeight;
      if (natural !== last) tell({ backstoryTab: 1, call: 'card.size', value: (last = natural) });
    };
    const schedule = () => {
      if (!queued) requestAnimationFrame(measure);
      queued = true;
    };
    const resize = new ResizeObserver(schedule);
    resize.observe(el);
    const mutations = new MutationObserver(schedule);
    mutations.observe(el, { subtree: true, childList: true, characterData: true, attributes: true });
    return () => {
      resize.disconnect();
      mutations.disconnect();
    };
  }, [tell]);

  // Opened from the keyboard: focus moves into the card once it has content.
  useEffect(() => {
    if (!wantFocus.current || !loaded) return;
    wantFocus.current = false;
    root.current?.querySelector<HTMLElement>('button, a[href], textarea')?.focus();
  }, [loaded]);

  const close = useCallback(() => tell({ backstoryTab: 1, call: 'card.close' }), [tell]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // Esc closes the card, except where it would throw away a note being typed.
      const draft = e.target instanceof HTMLTextAreaElement && e.target.value.trim() !== '';
      if (e.key === 'Escape' && !e.defaultPrevented && !draft) {
        e.preventDefault();
        close();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [close]);

  const entityId = shown?.entityId;
  return (
    <div ref={root} class="bs-frame">
      {shown && loaded?.data && entityId ? (
        <Card
          data={loaded.data}
          matched={shown.matched}
          seenOn={loaded.seen}
          theme={theme}
          pinned={pinned}
          onTogglePin={() => {
            const next = !pinned;
            setPinned(next);
            tell({ backstoryTab: 1, call: 'card.pin', value: next });
          }}
          onClose={close}
          canGoBack={history.length > 0}
          onBack={() => {
            const previous = history.at(-1);
            if (!previous) return;
            setHistory(history.slice(0, -1));
            void display(previous);
          }}
          onOpenRelated={(id) => {
            setHistory([...history, shown]);
            // Following a link keeps the card open: the reader is now using it.
            setPinned(true);
            tell({ backstoryTab: 1, call: 'card.pin', value: true });
            void display({ entityId: id, matched: '' });
          }}
          onOpenManager={(id) => {
            void browser.tabs.create({ url: browser.runtime.getURL(`/options.html#entity=${encodeURIComponent(id)}`) });
          }}
          onSaveNote={async ({ id, text }) => {
            const r = await callBackground('note.save', {
              ...(id ? { id } : {}),
              note: {
                about: { type: 'entity', id: entityId },
                text,
                page:
                  page && /^https?:/.test(page.url) ? { url: page.url, title: page.title, quote: shown.matched } : null,
              },
            });
            if (r.ok) setLoaded(await load(entityId, true));
            return r;
          }}
          onClearSeen={() => {
            void callBackground('seen.clear', { entityId }).then(async () => setLoaded(await load(entityId, true)));
          }}
        />
      ) : shown && loaded ? (
        <div class="bs-card" role="alert">
          {loaded.error ?? 'This entity could not be loaded.'}
        </div>
      ) : null}
    </div>
  );
}
