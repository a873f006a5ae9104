import { useState } from 'preact/hooks';
import { isActiveOn, withSite, type Settings } from '../../lib/settings';
import type { PageEntity, TabMentions } from './env';
import { Switch } from './Switch';

export interface OnThisPageProps {
  /** undefined while the tab is asked; null when no content script answers. */
  page: TabMentions | null | undefined;
  /** null until read. */
  settings: Settings | null;
  onSettings: (next: Settings) => void;
  /** Shows an entity's first mention on the page; resolves false when the page could not. */
  show: (entityId: string) => Promise<boolean>;
}

/** The names Backstory marked in the active tab, and the switch for its site. */
export function OnThisPage({ page, settings, onSettings, show }: OnThisPageProps) {
  const [failed, setFailed] = useState<string | null>(null);
  const open = async (id: string) => {
    setFailed(null);
    if (await show(id)) window.close();
    else setFailed('That name could not be shown on the page; it may have changed since it was read.');
  };
  return (
    <section class="section" aria-labelledby="page-title">
      <h2 id="page-title">On this page</h2>
      {page === undefined ? (
        <p role="status" class="muted">
          Looking at this page…
        </p>
      ) : page === null ? (
        <p class="muted">Backstory does not run on this page (browser pages and the extension store are off-limits).</p>
      ) : (
        <>
          <PageBody page={page} settings={settings} onSettings={onSettings} open={open} />
          {failed && (
            <p role="alert" class="error">
              {failed}
            </p>
          )}
          {page.site && (
            <Switch
              checked={settings ? !settings.disabledSites.includes(page.site.toLowerCase()) : page.active}
              disabled={!settings}
              onChange={(on) => settings && onSettings(withSite(settings, page.site, on))}
            >
              Mark names on <span dir="auto">{page.site}</span>
            </Switch>
          )}
        </>
      )}
    </section>
  );
}

function PageBody({
  page,
  settings,
  onSettings,
  open,
}: {
  page: TabMentions;
  settings: Settings | null;
  onSettings: (next: Settings) => void;
  open: (id: string) => Promise<void>;
}) {
  // The settings are newer than the tab's answer once the user flips a switch.
  const active = settings ? isActiveOn(settings, page.site) : page.active;
  if (!active) {
    if (settings?.paused)
      return (
        <p class="notice">
          Backstory is paused: it marks no names anywhere.{' '}
          <button type="button" onClick={() => onSettings({ ...settings, paused: false })}>
            Resume
          </button>
        </p>
      );
    return (
      <p class="notice">
        Backstory is switched off on <span dir="auto">{page.site || 'this site'}</span>.{' '}
        {settings && (
          <button type="button" onClick={() => onSettings(withSite(settings, page.site, true))}>
            Switch on
          </button>
        )}
      </p>
    );
  }
  if (page.entities.length === 0) return <p class="muted">No names you know on this page.</p>;
  return <PageList entities={page.entities} open={open} />;
}

/** How many names show before "Show all": the notes below should stay in view. */
const FIRST = 3;

function PageList({ entities, open }: { entities: PageEntity[]; open: (id: string) => Promise<void> }) {
  const [all, setAll] = useState(false);
  const shown = all ? entities : entities.slice(0, FIRST);
  return (
    <>
      <ul class="plain page-list" id="page-list" aria-labelledby="page-title">
        {shown.map((e) => (
          <li key={e.id}>
            <button type="button" class="list-button" title="Show it on the page" onClick={() => void open(e.id)}>
              <span class="grow" dir="auto">
                {e.name}
              </span>
              <span class={`kind kind-${e.kind}`}>{e.kind}</span>
              <span class="count">
                {e.count}
                <span class="visually-hidden"> {e.count === 1 ? 'mention' : 'mentions'}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
      {entities.length > FIRST && (
        <button
          type="button"
          class="link small"
          aria-expanded={all}
          aria-controls="page-list"
          onClick={() => setAll(!all)}
        >
          {all ? 'Show fewer' : `Show all ${entities.length} names`}
        </button>
      )}
    </>
  );
}
