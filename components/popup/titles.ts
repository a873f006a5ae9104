import { useEffect, useRef, useState } from 'preact/hooks';
import type { NoteRecord, NoteTarget } from '../../lib/model';
import type { Api } from '../ui/api';

const keyOf = (t: NoteTarget) => `${t.type}:${t.id}`;

/**
 * The titles of what the shown notes are about, looked up once per popup session: one `entity.get`
 * per entity (at most 20 notes are shown) and one `events.list` when any note is about an event.
 * Titles looked up before the store last changed are looked up again (an entity may have been renamed
 * or deleted), and shown meanwhile. Returns undefined while a title is unknown, null for a deleted record.
 */
export function useAboutTitles(api: Api, notes: readonly NoteRecord[], revision: number) {
  const cache = useRef(new Map<string, { title: string | null; revision: number }>());
  const [, rerender] = useState(0);

  useEffect(() => {
    const missing = new Map<string, NoteTarget>();
    for (const n of notes)
      if (cache.current.get(keyOf(n.about))?.revision !== revision) missing.set(keyOf(n.about), n.about);
    if (!missing.size) return;
    let live = true;
    const targets = [...missing.values()];
    const entityIds = targets.filter((t) => t.type === 'entity').map((t) => t.id);
    const eventIds = targets.filter((t) => t.type === 'event').map((t) => t.id);
    void Promise.all([
      Promise.all(entityIds.map((id) => api('entity.get', { id }))),
      eventIds.length ? api('events.list', {}) : null,
    ]).then(([entities, events]) => {
      entityIds.forEach((id, i) => {
        const r = entities[i]!;
        if (r.ok) cache.current.set(keyOf({ type: 'entity', id }), { title: r.value?.name ?? null, revision });
      });
      if (events?.ok) {
        const titles = new Map(events.value.map((e) => [e.id, e.title]));
        for (const id of eventIds)
          cache.current.set(keyOf({ type: 'event', id }), { title: titles.get(id) ?? null, revision });
      }
      if (live) rerender((n) => n + 1);
    });
    return () => {
      live = false;
    };
  }, [api, notes, revision]);

  return (about: NoteTarget) => cache.current.get(keyOf(about))?.title;
}
