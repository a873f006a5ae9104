import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { EntityKind } from '../../lib/model';
import type { Api } from './api';

/** An entity or event chosen in a picker. */
export interface PickedRecord {
  type: 'entity' | 'event';
  id: string;
  title: string;
  /** For entities. */
  kind?: EntityKind;
}

export interface RecordPickerProps {
  api: Api;
  label: string;
  /** Which records it offers. */
  types?: readonly ('entity' | 'event')[];
  onPick: (record: PickedRecord) => void;
  /** Ids it does not offer (the record being edited, links already made). */
  exclude?: readonly string[];
  placeholder?: string;
  /** Initial text of the box. */
  initialQuery?: string;
  autoFocus?: boolean;
  /** Id of an error message describing the box. */
  describedBy?: string | undefined;
  /** Marks the box invalid (its error is shown next to it). */
  invalid?: boolean;
}

/**
 * A search box that picks an entity or event: an ARIA 1.2 combobox with a listbox popup. Arrow keys
 * move, Enter picks, Esc closes the list (and only the list).
 */
export function RecordPicker({
  api,
  label,
  types = ['entity'],
  onPick,
  exclude = [],
  placeholder,
  initialQuery = '',
  autoFocus,
  describedBy,
  invalid,
}: RecordPickerProps) {
  const id = useId();
  const [query, setQuery] = useState(initialQuery);
  const [options, setOptions] = useState<PickedRecord[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [error, setError] = useState<string | null>(null);
  const asked = useRef(0);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (autoFocus) input.current?.focus();
  }, [autoFocus]);

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setOptions([]);
      return;
    }
    const n = ++asked.current;
    void api('search', { query: q, limit: 8 }).then((r) => {
      if (n !== asked.current) return; // a newer keystroke is on its way
      if (!r.ok) {
        setError(r.error.message);
        setOptions([]);
        return;
      }
      setError(null);
      const list: PickedRecord[] = [];
      if (types.includes('entity'))
        for (const e of r.value.entities) list.push({ type: 'entity', id: e.id, title: e.name, kind: e.kind });
      if (types.includes('event'))
        for (const e of r.value.events) list.push({ type: 'event', id: e.id, title: `${e.title} (${e.date})` });
      setOptions(list.filter((o) => !exclude.includes(o.id)));
      setActive(-1); // nothing highlighted until the arrow keys move; Enter takes the first
    });
    // `types` and `exclude` are read when the results arrive; a new query is what asks again.
  }, [query, api]);

  const pick = (o: PickedRecord) => {
    onPick(o);
    setQuery('');
    setOptions([]);
    setOpen(false);
  };
  const showList = open && query.trim() !== '';
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, Math.max(options.length - 1, 0)));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, -1));
    } else if (e.key === 'Enter') {
      const o = options[Math.max(active, 0)];
      if (showList && o) {
        e.preventDefault();
        pick(o);
      }
    } else if (e.key === 'Escape' && showList) {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  };

  return (
    <div class="picker">
      <label for={`${id}-input`}>{label}</label>
      <input
        ref={input}
        id={`${id}-input`}
        type="text"
        role="combobox"
        autocomplete="off"
        aria-autocomplete="list"
        aria-expanded={showList}
        aria-controls={`${id}-list`}
        aria-activedescendant={showList && options[active] ? `${id}-opt-${active}` : undefined}
        aria-describedby={describedBy}
        aria-invalid={invalid || undefined}
        placeholder={placeholder}
        dir="auto"
        value={query}
        onInput={(e) => {
          setQuery((e.target as HTMLInputElement).value);
          setOpen(true);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
      />
      <ul id={`${id}-list`} role="listbox" aria-label={label} class="picker-list" hidden={!showList}>
        {showList && options.length === 0 && (
          <li class="empty" role="presentation">
            {error ?? 'Nothing found.'}
          </li>
        )}
        {showList &&
          options.map((o, i) => (
            <li
              key={o.id}
              id={`${id}-opt-${i}`}
              role="option"
              aria-selected={i === active}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(o);
              }}
            >
              <span dir="auto">{o.title}</span>
              <span class="muted"> · {o.type === 'entity' ? o.kind : 'event'}</span>
            </li>
          ))}
      </ul>
    </div>
  );
}
