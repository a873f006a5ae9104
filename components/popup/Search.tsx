import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import type { NoteHit, SearchResults } from '../../lib/background/search';
import { formatPartialDate } from '../card/format';
import { plural, type Api } from '../ui/api';
import { managerHash } from './env';

export interface SearchProps {
  api: Api;
  /** Whether the entity is marked in the active tab (then a click shows it there). */
  onPage: (entityId: string) => boolean;
  show: (entityId: string) => Promise<boolean>;
  openManager: (hash: string) => void;
  /** Opens a note for editing in the notes section. */
  openNote: (note: NoteHit) => void;
}

interface Answer {
  query: string;
  results: SearchResults;
}

/** One box over the whole store: entities (by name, alias or tag), events and notes, as you type. */
export function Search({ api, onPage, show, openManager, openNote }: SearchProps) {
  const [query, setQuery] = useState('');
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const asked = useRef(0);
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLDivElement>(null);

  const ask = async (text: string) => {
    setQuery(text);
    const n = ++asked.current;
    const q = text.trim();
    if (!q) {
      setAnswer(null);
      setError(null);
      return;
    }
    const r = await api('search', { query: q, limit: 8 });
    if (n !== asked.current) return; // a newer keystroke asked since: its answer is the one to show
    setError(r.ok ? null : r.error.message);
    setAnswer(r.ok ? { query: q, results: r.value } : null);
  };

  const openEntity = async (id: string) => {
    if (onPage(id) && (await show(id))) window.close();
    else openManager(managerHash('entity', id));
  };

  /** Arrow keys move between the results (and back up into the box). */
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const buttons = [...(list.current?.querySelectorAll<HTMLButtonElement>('.list-button') ?? [])];
    if (!buttons.length) return;
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    e.preventDefault();
    if (e.key === 'ArrowDown') buttons[Math.min(at + 1, buttons.length - 1)]!.focus();
    else if (at <= 0) input.current?.focus();
    else buttons[at - 1]!.focus();
  };

  const r = answer?.results;
  return (
    <section class="section" role="search" aria-labelledby="popup-search-label" onKeyDown={onKeyDown}>
      <h2>
        <label id="popup-search-label" for="popup-search">
          Search your store
        </label>
      </h2>
      <input
        ref={input}
        id="popup-search"
        type="search"
        placeholder="Names, aliases, events, notes"
        autocomplete="off"
        dir="auto"
        value={query}
        onInput={(e) => void ask((e.target as HTMLInputElement).value)}
      />
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {answer && r && (
        <div class="results" ref={list} data-results-for={answer.query}>
          <p role="status" class="muted small">
            {r.total === 0 ? (
              <>
                Nothing matches “<span dir="auto">{answer.query}</span>”.
              </>
            ) : (
              plural(r.total, 'match', 'matches')
            )}
          </p>
          {r.entities.length > 0 && (
            <Group title="Entities">
              {r.entities.map((e) => (
                <li key={e.id}>
                  <button type="button" class="list-button" onClick={() => void openEntity(e.id)}>
                    <span class="grow">
                      <span dir="auto">{e.name}</span>
                      {e.alias && (
                        <span class="muted small">
                          {' '}
                          as “<span dir="auto">{e.alias}</span>”
                        </span>
                      )}
                    </span>
                    <span class={`kind kind-${e.kind}`}>{e.kind}</span>
                  </button>
                </li>
              ))}
            </Group>
          )}
          {r.events.length > 0 && (
            <Group title="Events">
              {r.events.map((e) => (
                <li key={e.id}>
                  <button type="button" class="list-button" onClick={() => openManager(managerHash('event', e.id))}>
                    <span class="grow" dir="auto">
                      {e.title}
                    </span>
                    <span class="muted small nowrap">{formatPartialDate(e.date)}</span>
                  </button>
                </li>
              ))}
            </Group>
          )}
          {r.notes.length > 0 && (
            <Group title="Notes">
              {r.notes.map((n) => (
                <li key={n.id}>
                  <button type="button" class="list-button stacked" onClick={() => openNote(n)}>
                    <span class="snippet" dir="auto">
                      {n.text}
                    </span>
                    <span class="muted small">
                      on <span dir="auto">{n.about.title}</span>
                    </span>
                  </button>
                </li>
              ))}
            </Group>
          )}
        </div>
      )}
    </section>
  );
}

function Group({ title, children }: { title: string; children: ComponentChildren }) {
  const id = `results-${title.toLowerCase()}`;
  return (
    <>
      <h3 id={id}>{title}</h3>
      <ul class="plain" aria-labelledby={id}>
        {children}
      </ul>
    </>
  );
}
