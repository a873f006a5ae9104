import { useId, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Result } from '../../lib/result';
import type { CardData } from '../../lib/store/store';
import CardNotes, { type NoteSaveInput } from './CardNotes';
import CardTimeline from './CardTimeline';
import ClampedText from './ClampedText';
import { formatMoment, formatRelativeTime, hostOf, isoTime, otherAliases, sameName } from './format';
import { BackIcon, CloseIcon, PinIcon } from './icons';
import { hasVisibleText } from '../../lib/text';
import SafeLink from './SafeLink';

/** A page the entity was seen on. */
export interface SeenPage {
  url: string;
  title: string;
  /** When, in epoch ms. */
  at: number;
}

export type CardTheme = 'light' | 'dark';
export type { NoteSaveInput };

export interface CardProps {
  /** Everything the store knows about the entity (events oldest first, notes newest first). */
  data: CardData;
  /** The text as written on the page that matched ("Albukamal"), shown when it is not the name. */
  matched: string;
  /** Pages the entity appeared on (any order; the newest few are shown). */
  seenOn: SeenPage[];
  /** Forgets the pages the entity was seen on. */
  onClearSeen: () => void;
  /** Whether the card stays open when the pointer leaves (drives the pin button's aria-pressed). */
  pinned: boolean;
  /** Pins or unpins the card. */
  onTogglePin: () => void;
  /** Closes the card. */
  onClose: () => void;
  /** Whether the card was switched from another entity, so Back has somewhere to go. */
  canGoBack: boolean;
  /** Shows the entity the card showed before. */
  onBack: () => void;
  /** Switches the card to a related entity. */
  onOpenRelated: (entityId: string) => void;
  /** Opens the entity in the manager page. */
  onOpenManager: (entityId: string) => void;
  /** Adds (no id) or edits a note about the entity; an error result is shown in the form. */
  onSaveNote: (input: NoteSaveInput) => Promise<Result<unknown>>;
  /** Colour scheme; without it the card follows `prefers-color-scheme`. */
  theme?: CardTheme;
  /** The clock for relative times ("3 days ago"); Date.now by default. */
  now?: () => number;
}

/** At most this many aliases show before "+N more". */
export const MAX_ALIASES = 8;
/** At most this many "seen on" pages show. */
export const MAX_SEEN = 5;

/**
 * The hover card's content: who or what a marked name is, its timeline, related entities, the user's
 * notes and where it was seen before. The host (shadow root, positioning, hover timing, Escape) is not
 * here; it sets aria-modal and moves focus in when the card is opened from the keyboard.
 */
export default function Card(props: CardProps) {
  const { data, matched, pinned, canGoBack, theme } = props;
  const { entity } = data;
  const base = useId();
  const ids = {
    name: `${base}-name`,
    summary: `${base}-summary`,
    timeline: `${base}-timeline`,
    notes: `${base}-notes`,
  };
  const heading = useRef<HTMLHeadingElement>(null);
  // Set when the user navigates from inside the card, so focus follows to the new entity's name
  // (the button they used is gone) while a switch made by the host never steals focus.
  const navigating = useRef(false);

  useLayoutEffect(() => {
    if (!navigating.current) return;
    navigating.current = false;
    heading.current?.focus();
  }, [entity.id]);

  const go = (fn: () => void) => () => {
    navigating.current = true;
    fn();
  };
  const hasSummary = hasVisibleText(entity.summary);

  return (
    <div
      role="dialog"
      aria-labelledby={ids.name}
      aria-describedby={hasSummary ? ids.summary : undefined}
      class="bs-card"
      data-theme={theme}
      data-kind={entity.kind}
      data-pinned={pinned ? '' : undefined}
      tabIndex={-1}
    >
      <div class="bs-header">
        {canGoBack && (
          <button type="button" class="bs-icon-button bs-back" aria-label="Back" onClick={go(props.onBack)}>
            <BackIcon />
          </button>
        )}
        <div class="bs-title">
          <h2 id={ids.name} ref={heading} class="bs-name" dir="auto" tabIndex={-1}>
            {entity.name}
          </h2>
          <span class="bs-kind" data-kind={entity.kind}>
            {entity.kind}
          </span>
        </div>
        <div class="bs-header-actions">
          <button
            type="button"
            class="bs-icon-button bs-pin"
            aria-label="Pin card"
            aria-pressed={pinned}
            title={pinned ? 'Unpin: close when the pointer leaves' : 'Pin: keep open'}
            onClick={props.onTogglePin}
          >
            <PinIcon />
          </button>
          <button type="button" class="bs-icon-button bs-close" aria-label="Close card" onClick={props.onClose}>
            <CloseIcon />
          </button>
        </div>
      </div>

      {/* Keyed by entity: switching to a related entity starts with fresh toggles, drafts and scroll. */}
      <div class="bs-body" key={entity.id}>
        {matched.trim() !== '' && !sameName(matched, entity.name) && (
          <p class="bs-why">
            Matched “<bdi dir="auto">{matched}</bdi>”
          </p>
        )}
        {hasSummary && <ClampedText id={ids.summary} text={entity.summary} class="bs-summary" />}
        <Aliases name={entity.name} aliases={entity.aliases} matched={matched} />
        {entity.links.length > 0 && (
          <section class="bs-section">
            <h3 class="bs-h3">Links</h3>
            <ul class="bs-links">
              {entity.links.map((l, i) => (
                <li key={i}>
                  <SafeLink link={l} />
                </li>
              ))}
            </ul>
          </section>
        )}
        <CardTimeline events={data.events} entityId={entity.id} headingId={ids.timeline} />
        {data.related.length > 0 && (
          <section class="bs-section">
            <h3 class="bs-h3">Related</h3>
            <ul class="bs-related">
              {data.related.map((r, i) => (
                <li key={`${r.id}-${i}`}>
                  {r.label && (
                    <span class="bs-rel-label" dir="auto">
                      {r.label}{' '}
                    </span>
                  )}
                  <button
                    type="button"
                    class="bs-chip"
                    data-kind={r.kind}
                    onClick={go(() => props.onOpenRelated(r.id))}
                  >
                    <bdi dir="auto">{r.name}</bdi> <span class="bs-chip-kind">{r.kind}</span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
        <CardNotes
          notes={data.notes}
          onSaveNote={props.onSaveNote}
          now={(props.now ?? Date.now)()}
          headingId={ids.notes}
        />
        <SeenOn pages={props.seenOn} onClear={props.onClearSeen} now={props.now ?? Date.now} />
      </div>

      <div class="bs-footer">
        <p class="bs-origin">
          {data.pack ? (
            <>
              From pack: <span dir="auto">{data.pack.title}</span>
            </>
          ) : entity.pack ? (
            'From a pack that is no longer installed'
          ) : (
            'Your own entity'
          )}
        </p>
        <button type="button" class="bs-button" onClick={() => props.onOpenManager(entity.id)}>
          Open in manager
        </button>
      </div>
    </div>
  );
}

interface AliasesProps {
  name: string;
  aliases: { text: string }[];
  matched: string;
}

/** Other names, the one that matched left out: the first few, then "+N more". */
function Aliases({ name, aliases, matched }: AliasesProps) {
  const [all, setAll] = useState(false);
  const list = useMemo(() => otherAliases(name, aliases, matched), [name, aliases, matched]);
  const listId = useId();
  if (list.length === 0) return null;
  const shown = all ? list : list.slice(0, MAX_ALIASES);
  const hidden = list.length - shown.length;
  return (
    <section class="bs-section bs-aliases-section">
      <h3 class="bs-h3">Also known as</h3>
      <p id={listId} class="bs-aliases">
        {shown.map((a, i) => (
          <span key={i}>
            {i > 0 && ', '}
            <bdi dir="auto">{a}</bdi>
          </span>
        ))}
        {list.length > MAX_ALIASES && (
          <>
            {' '}
            <button
              type="button"
              class="bs-link-button"
              aria-expanded={all}
              aria-controls={listId}
              onClick={() => setAll(!all)}
            >
              {all ? 'show fewer' : `+${hidden} more`}
            </button>
          </>
        )}
      </p>
    </section>
  );
}

interface SeenOnProps {
  pages: SeenPage[];
  onClear: () => void;
  now: () => number;
}

/** "Where have I seen this before?": the latest pages the entity appeared on, with Clear. */
function SeenOn({ pages, onClear, now }: SeenOnProps) {
  const latest = useMemo(() => [...pages].sort((a, b) => b.at - a.at).slice(0, MAX_SEEN), [pages]);
  if (latest.length === 0) return null;
  const t = now();
  return (
    <section class="bs-section bs-seen">
      <div class="bs-section-head">
        <h3 class="bs-h3">Seen on</h3>
        <button type="button" class="bs-link-button" aria-label="Clear pages seen on" onClick={onClear}>
          Clear
        </button>
      </div>
      <ul class="bs-seen-list">
        {latest.map((p, i) => (
          <li key={`${p.url}-${i}`}>
            <SafeLink link={{ url: p.url, title: p.title || hostOf(p.url) }} />
            <span class="bs-muted">
              {' · '}
              <time dateTime={isoTime(p.at)} title={formatMoment(p.at)}>
                {formatRelativeTime(p.at, t)}
              </time>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
