import { useLayoutEffect, useRef, useState } from 'preact/hooks';

/** Summaries longer than this get the More toggle even where layout cannot be measured. */
export const CLAMP_CHARS = 320;

export interface CardSummaryProps {
  /** The entity's summary, plain text (line breaks kept). */
  text: string;
  /** Id of the paragraph, the dialog's accessible description. */
  id: string;
}

/**
 * The summary, clamped to about six lines with a More/Less toggle. The toggle appears when the text is
 * long or when it measurably overflows the clamp (a shorter text at 200% zoom); the clamp is visual
 * only, so screen readers always get the whole text.
 */
export default function CardSummary({ text, id }: CardSummaryProps) {
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
    <div class="bs-summary-wrap">
      <p ref={ref} id={id} class={expanded ? 'bs-summary' : 'bs-summary bs-clamped'} dir="auto">
        {text}
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
