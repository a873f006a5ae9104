/**
 * Long texts (notes, summaries) are shown clamped to a few lines behind "Show more" in the card, the
 * popup and the manager. While clamped, only their beginning is rendered: laying out a whole text to
 * show six lines of it costs seconds when the text is long and has no spaces (a damaged record can
 * hold a megabyte of it).
 */
import { preview } from '../../lib/text';

/** A note longer than this, or with more lines, is clamped. */
export const LONG_CHARS = 280;
export const LONG_LINES = 6;
/** What is rendered while clamped: far more than six lines can show, far less than a megabyte. */
export const PREVIEW_CHARS = 2000;

/** Whether a text is long enough to be clamped. */
export const isLong = (text: string) =>
  text.length > LONG_CHARS || text.split('\n', LONG_LINES + 1).length > LONG_LINES;

/** What a clamped (or expanded) view of `text` renders. */
export const shownText = (text: string, expanded: boolean) => (expanded ? text : preview(text, PREVIEW_CHARS));
