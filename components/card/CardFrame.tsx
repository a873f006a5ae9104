import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { callBackground } from '../../lib/client';
import { storeRevisionItem } from '../../lib/settings';
import type { FromCardFrame, ToCardFrame } from '../../lib/messages';
import type { CardData } from '../../lib/store/store';
import Card, { type CardTheme, type SeenPage } from './Card';

export interface CardFrameProps {
  /** This frame's end of the private channel to the content script that created it. */
  port: MessagePort;
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
export default function CardFrame({ port }: CardFrameProps) {
  const cache = useRef(new Map<string, Promise<Loaded>>());
  const [shown, setShown] = useState<Shown | null>(null);
  const [history, setHistory] = useState<Shown[]>([]);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [theme, setTheme] = useState<CardTheme>('light');
  const [pinned, setPinned] = useState(false);
  const [page, setPage] = useState<{ url: string; title: string } | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const wantFocus = useRef(false);
  const visible = useRef(false);
  const [onScreen, setOnScreen] = useState(false);
  const [showCount, setShowCount] = useState(0);
  /** The pending `show` being timed: when it was sent and received (see the effect that reports it). */
  const timing = useRef<{ entityId: string; sentAt: number; receivedAt: number } | null>(null);

  const tell = useCallback((message: FromCardFrame) => port.postMessage(message), [port]);

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

  /** What is rendered now (kept in refs too: the message handler must not wait for a render). */
  const rendered = useRef<{ shown: Shown; ready: boolean } | null>(null);

  const display = useCallback(
    async (next: Shown) => {
      setShown(next);
      rendered.current = { shown: next, ready: false };
      const first = await load(next.entityId);
      setLoaded(first);
      if (rendered.current?.shown === next) rendered.current.ready = first.data !== null;
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
    const handle = (message: ToCardFrame) => {
      if (message.type === 'prefetch') {
        // While no card is on screen, render the one the pointer rests on already (the host keeps
        // it transparent): when `show` comes, it is on screen in the next frame, at its final size.
        if (visible.current) void load(message.entityId);
        else {
          setTheme(message.theme);
          void display({ entityId: message.entityId, matched: message.matched });
        }
      } else if (message.type === 'show') {
        const receivedAt = performance.timeOrigin + performance.now();
        const current = rendered.current;
        const prerendered =
          !visible.current &&
          current?.ready === true &&
          current.shown.entityId === message.entityId &&
          current.shown.matched === message.matched;
        visible.current = true;
        setOnScreen(true);
        setTheme(message.theme);
        setHistory((h) => (h.length ? [] : h));
        setPinned(message.focus);
        setPage({ url: message.pageUrl, title: message.pageTitle });
        wantFocus.current = message.focus;
        if (prerendered) {
          // Already rendered: the host made it opaque before this message even arrived. Time the
          // frame that shows it, and refresh the data behind it in case notes changed since.
          requestAnimationFrame(() => {
            const paintedAt = performance.timeOrigin + performance.now();
            performance.mark('backstory-card-painted', {
              detail: {
                prerendered: true,
                ipcMs: receivedAt - message.sentAt,
                renderMs: 0,
                frameMs: paintedAt - receivedAt,
                totalMs: paintedAt - message.sentAt,
              },
            });
          });
          void load(message.entityId, true).then((fresh) => {
            if (rendered.current?.shown === current.shown) setLoaded(fresh);
          });
        } else {
          timing.current = { entityId: message.entityId, sentAt: message.sentAt, receivedAt };
          setShowCount((n) => n + 1);
          void display({ entityId: message.entityId, matched: message.matched });
        }
      } else if (message.type === 'hide') {
        visible.current = false;
        rendered.current = null;
        setOnScreen(false);
        setShown(null);
        setLoaded(null);
        setHistory([]);
      }
    };
    port.onmessage = (e: MessageEvent<ToCardFrame>) => handle(e.data);
    // The page gets no pointer events for this frame (it runs in its own process): tell the host.
    const enter = () => tell({ type: 'pointer', inside: true });
    const leave = () => tell({ type: 'pointer', inside: false });
    document.documentElement.addEventListener('pointerenter', enter);
    document.documentElement.addEventListener('pointerleave', leave);
    return () => {
      port.onmessage = null;
      document.documentElement.removeEventListener('pointerenter', enter);
      document.documentElement.removeEventListener('pointerleave', leave);
    };
  }, [port, load, display, tell]);

  // The store changed (a note saved in the popup, an alias in the manager): forget what was fetched
  // and refresh the card on screen, so it never shows stale notes.
  useEffect(
    () =>
      storeRevisionItem.watch(() => {
        cache.current.clear();
        const current = rendered.current;
        if (!current || !visible.current) return;
        void load(current.shown.entityId, true).then((fresh) => {
          if (rendered.current === current) setLoaded(fresh);
        });
      }),
    [load],
  );

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
      if (natural !== last) tell({ type: 'size', height: (last = natural) });
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

  // How long from "show" to the card on screen, as a performance mark of this (extension) page for
  // `npm run bench`: the message's trip, then rendering up to the next frame.
  useEffect(() => {
    const t = timing.current;
    if (!t || !loaded?.data || shown?.entityId !== t.entityId) return;
    timing.current = null;
    const renderedAt = performance.timeOrigin + performance.now();
    requestAnimationFrame(() => {
      const paintedAt = performance.timeOrigin + performance.now();
      performance.mark('backstory-card-painted', {
        detail: {
          prerendered: false,
          ipcMs: t.receivedAt - t.sentAt,
          renderMs: renderedAt - t.receivedAt,
          frameMs: paintedAt - renderedAt,
          totalMs: paintedAt - t.sentAt,
        },
      });
    });
  }, [loaded, shown, showCount]);

  // Opened from the keyboard: focus moves into the card once it has content.
  useEffect(() => {
    if (!wantFocus.current || !loaded) return;
    wantFocus.current = false;
    root.current?.querySelector<HTMLElement>('button, a[href], textarea')?.focus();
  }, [loaded]);

  const close = useCallback(() => tell({ type: 'close' }), [tell]);

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
    // Pre-rendered but not on screen yet: out of reach of the keyboard and of screen readers.
    <div ref={root} class="bs-frame" inert={!onScreen} aria-hidden={onScreen ? undefined : 'true'}>
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
            tell({ type: 'pin', pinned: next });
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
            tell({ type: 'pin', pinned: true });
            void display({ entityId: id, matched: '' });
          }}
          onOpenManager={(id) => {
            // A new tab of the manager. (Firefox gives an extension frame inside a web page no `tabs` API.)
            window.open(browser.runtime.getURL(`/options.html#entity=${encodeURIComponent(id)}`), '_blank', 'noopener');
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
