import type { ComponentChildren } from 'preact';
import { useId, useMemo, useState } from 'preact/hooks';
import { compileDictionary } from '../../lib/match/dictionary';
import { findMentions } from '../../lib/match/match';
import { isCaseSensitive, type Alias } from '../../lib/model';
import { isolate } from '../../lib/text';
import { plural } from '../ui/api';

export interface AliasPreviewProps {
  name: string;
  aliases: readonly Alias[];
}

/** The sample sentence around the name; the name isolated, so that its direction cannot turn the sentence. */
const defaultSample = (name: string) =>
  name.trim() ? `Reports from ${isolate(name.trim())} on Tuesday said the situation was calm.` : '';

/**
 * What the name and aliases being edited would mark in a sample text, found by the same matcher the
 * pages use (folding, word boundaries, case rules), compiled for this one entity on every change.
 */
export function AliasPreview({ name, aliases }: AliasPreviewProps) {
  const id = useId();
  // Until the user types their own, the sample follows the name.
  const [edited, setEdited] = useState<string | null>(null);
  const sample = edited ?? defaultSample(name);
  const spellings: Alias[] = [{ text: name, case: 'auto' }, ...aliases];
  const key = JSON.stringify(spellings);
  const dictionary = useMemo(
    () =>
      compileDictionary(spellings.map((a) => ({ text: a.text, entity: 0, caseSensitive: isCaseSensitive(a) })))
        .dictionary,
    // `key` is the content of `spellings`, which is a new array on every render.
    [key],
  );
  const mentions = useMemo(() => findMentions(dictionary, sample), [dictionary, sample]);

  const pieces: ComponentChildren[] = [];
  let at = 0;
  for (const m of mentions) {
    if (m.start > at) pieces.push(sample.slice(at, m.start));
    const entry = dictionary.patternEntry[m.pattern]!;
    const by = entry === 0 ? 'the name' : `the alias “${isolate(spellings[entry]!.text)}”`;
    pieces.push(
      <mark key={m.start} title={`Matches ${by}`}>
        {sample.slice(m.start, m.end)}
      </mark>,
    );
    at = m.end;
  }
  if (at < sample.length) pieces.push(sample.slice(at));

  return (
    <section class="alias-preview" aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>Preview</h4>
      <div class="field">
        <label for={`${id}-sample`}>Sample text</label>
        <textarea
          id={`${id}-sample`}
          dir="auto"
          rows={2}
          maxLength={5000}
          value={sample}
          aria-describedby={`${id}-hint`}
          onInput={(e) => setEdited((e.target as HTMLTextAreaElement).value)}
        />
        <p class="hint" id={`${id}-hint`}>
          Type or paste a sentence to see what the name and aliases would mark on a page.
        </p>
      </div>
      <p class="alias-preview-out" dir="auto">
        {pieces.length ? pieces : <span class="muted">Nothing to preview yet.</span>}
      </p>
      <p class="muted" aria-live="polite">
        {mentions.length ? plural(mentions.length, 'match', 'matches') : 'No matches'}
      </p>
    </section>
  );
}
