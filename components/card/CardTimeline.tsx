import { useMemo } from 'preact/hooks';
import { comparePartialDates, type EventRecord } from '../../lib/model';
import { formatDateRange } from './format';
import SafeLink from './SafeLink';

export interface CardTimelineProps {
  /** The entity's events with its role in each (as the store gives them, oldest first). */
  events: { event: EventRecord; role: string }[];
  /** Id of the entity the card is about (to tell "happened here" from a role). */
  entityId: string;
  /** Id of the section's heading. */
  headingId: string;
}

/** The events the entity took part in, oldest first: date, title, its role, sources. */
export default function CardTimeline({ events, entityId, headingId }: CardTimelineProps) {
  // The store sorts already; sorting again (stable) keeps the card right whatever hands it data.
  const sorted = useMemo(
    () =>
      [...events].sort(
        (a, b) =>
          comparePartialDates(a.event.date, b.event.date) ||
          comparePartialDates(a.event.endDate ?? a.event.date, b.event.endDate ?? b.event.date),
      ),
    [events],
  );

  return (
    <section class="bs-section bs-timeline-section">
      <h3 id={headingId} class="bs-h3">
        Timeline
      </h3>
      {sorted.length === 0 ? (
        <p class="bs-muted bs-empty">No events linked yet.</p>
      ) : (
        <ol class="bs-timeline" aria-labelledby={headingId}>
          {sorted.map(({ event, role }) => (
            <li key={event.id} class="bs-event">
              {event.endDate && event.endDate !== event.date ? (
                // A range is no valid <time> value: plain text.
                <span class="bs-event-date">{formatDateRange(event.date, event.endDate)}</span>
              ) : (
                <time class="bs-event-date" dateTime={event.date}>
                  {formatDateRange(event.date, null)}
                </time>
              )}
              <div class="bs-event-body">
                <p class="bs-event-title" dir="auto">
                  {event.title}
                </p>
                {role && (
                  <p class="bs-event-role" dir="auto">
                    {roleText(role, event, entityId)}
                  </p>
                )}
                {event.sources.length > 0 && (
                  <ul class="bs-sources" aria-label="Sources">
                    {event.sources.map((s, i) => (
                      <li key={i}>
                        <SafeLink link={s} />
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** The store reports a place's own events with the role "place"; say it in words. */
function roleText(role: string, event: EventRecord, entityId: string): string {
  if (role === 'place' && event.place === entityId && !event.entities.some((l) => l.entity === entityId)) {
    return 'Where it happened';
  }
  return role;
}
