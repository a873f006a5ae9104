import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { shownText } from '../ui/clamp';

/** Texts longer than this get the More toggle even where layout cannot be measured. */
export const CLAMP_CHARS = 320;

export interface ClampedTextProps {
  /** Plain text (line breaks kept by the class's white-space rule). */
  text: string;
  /** Id of the paragraph (the dialog's description, a note's Edit button description). */
  id: string;
  /** The paragraph's class: `bs-summary` or `bs-note-text`. */
  class: string;
}

/**
 * A summary or a note, clamped to about six lines with a More/Less toggle, so that one long text
 * cannot push everything else out of the card. The toggle appears when the text is long or when it
 * measurably overflows the clamp (a shorter text at 200% zoom). While clamped, only the text's
 * beginning is rendered (components/ui/clamp.ts; screen readers get it too, More gives the whole
 * text): a damaged record with a megabyte of text must not cost the browser minutes of layout.
 */
export default function ClampedText({ text, id, class: className }: ClampedTextProps) {
  const [expanded, setExpanded] = useState(false);
  const [overflows, setOverflows] = useState(false);
  const ref = useRef<HTMLParagraphElement>(null);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || expanded) return;
    const measure = () => setOverflows(el.scrollHeight > el.clientHeight + 1);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [text, expanded]);

  const toggle = expanded || overflows || text.length > CLAMP_CHARS;
  return (
    <div class="bs-clamp-wrap">
      <p ref={ref} id={id} class={expanded ? className : `${className} bs-clamped`} dir="auto">
        {shownText(text, expanded)}
      </p>
      {toggle && (
        <button
          type="button"
          class="bs-link-button bs-more"
          aria-expanded={expanded}
          aria-controls={id}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? 'Less' : 'More'}
        </button>
      )}
    </div>
  );
}
