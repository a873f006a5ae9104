import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { NoteHit } from '../../lib/background/search';
import { isActiveOn, type Settings } from '../../lib/settings';
import type { PickedRecord } from '../../components/ui/RecordPicker';
import { UndoBar, useUndo } from '../../components/ui/Undo';
import type { PopupEnv, TabMentions } from '../../components/popup/env';
import { Footer } from '../../components/popup/Footer';
import { NotesSection } from '../../components/popup/NotesSection';
import { OnThisPage } from '../../components/popup/OnThisPage';
import { Search } from '../../components/popup/Search';
import { Switch } from '../../components/popup/Switch';
import '../../components/ui/ui.css';
import './style.css';

export type { PopupEnv } from '../../components/popup/env';

/** How long the tab gets to apply new settings (mark or unmark its page) before it is asked again. */
const RECHECK_MS = 1000;

/**
 * The toolbar popup: the names on this page, a search over the store, and notes (add, edit, delete).
 * The shell renders at once; the tab, the settings, the notes and the counts load side by side.
 */
export default function App({ api, tab, settings: settingsStore, openManager, syncStatus, watchRevision }: PopupEnv) {
  /** undefined while the tab is asked; null when no content script answers. */
  const [page, setPage] = useState<TabMentions | null | undefined>(undefined);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [settingsError, setSettingsError] = useState<string | null>(null);
  const [revision, setRevision] = useState(0);
  const [noteRequest, setNoteRequest] = useState<NoteHit | null>(null);
  const { offer, offerUndo, dismiss } = useUndo();
  const recheck = useRef<ReturnType<typeof setTimeout>>(undefined);

  const changed = useCallback(() => setRevision((r) => r + 1), []);
  const [notesLoaded, setNotesLoaded] = useState(false);
  const onNotesLoaded = useCallback(() => setNotesLoaded(true), []);
  const readyMarked = useRef(false);
  // "Interactive": the page's names, the settings and the recent notes are on screen. The benchmark
  // (bench/popup.mjs) times the popup's opening up to this mark.
  useEffect(() => {
    if (readyMarked.current || page === undefined || (!settings && !settingsError) || !notesLoaded) return;
    readyMarked.current = true;
    performance.mark('backstory-popup-ready');
    // Now that the popup is usable, have the background build its search copy (an empty query builds
    // it and finds nothing), so the first keystroke does not wait for it.
    void api('search', { query: '' });
  }, [page, settings, settingsError, notesLoaded, api]);
  useEffect(() => watchRevision(changed), [watchRevision, changed]);

  const askTab = useCallback(
    () =>
      tab.mentions().then(
        (reply) => setPage(reply),
        () => setPage(null),
      ),
    [tab],
  );
  useEffect(() => {
    void askTab();
    return () => clearTimeout(recheck.current);
  }, [askTab]);

  useEffect(() => {
    settingsStore
      .get()
      .then(setSettings, (e: unknown) => setSettingsError(`Your settings could not be read: ${String(e)}`));
  }, [settingsStore]);

  const changeSettings = async (next: Settings) => {
    const before = settings;
    setSettings(next);
    setSettingsError(null);
    try {
      await settingsStore.set(next);
    } catch (e) {
      setSettings(before);
      setSettingsError(`The setting was not saved: ${String(e)}`);
      return;
    }
    clearTimeout(recheck.current);
    recheck.current = setTimeout(() => void askTab(), RECHECK_MS);
  };

  // A new note is about the page's most mentioned name unless the user picks something else.
  const top = page && (settings ? isActiveOn(settings, page.site) : page.active) ? page.entities[0] : undefined;
  const suggested = useMemo<PickedRecord | null>(
    () => (top ? { type: 'entity', id: top.id, title: top.name, kind: top.kind } : null),
    [top?.id, top?.name, top?.kind],
  );
  const onPage = (id: string) => !!page?.entities.some((e) => e.id === id);

  return (
    <main class="popup" aria-labelledby="popup-title">
      <header class="popup-header">
        <h1 id="popup-title">Backstory</h1>
        <Switch
          checked={settings?.paused ?? false}
          disabled={!settings}
          label="Pause Backstory everywhere"
          onChange={(paused) => settings && void changeSettings({ ...settings, paused })}
        >
          Pause
        </Switch>
        <button type="button" onClick={() => openManager('')}>
          Open manager
        </button>
      </header>
      <div class="popup-body">
        {settingsError && (
          <p role="alert" class="error">
            {settingsError}
          </p>
        )}
        <OnThisPage page={page} settings={settings} onSettings={(s) => void changeSettings(s)} show={tab.show} />
        <Search
          api={api}
          onPage={onPage}
          show={tab.show}
          openManager={openManager}
          openNote={(hit) => setNoteRequest({ ...hit })}
        />
        <NotesSection
          api={api}
          revision={revision}
          onWrite={changed}
          suggested={suggested}
          openManager={openManager}
          offerUndo={offerUndo}
          request={noteRequest}
          onLoaded={onNotesLoaded}
        />
      </div>
      <Footer api={api} revision={revision} syncStatus={syncStatus} openManager={openManager} />
      <UndoBar offer={offer} dismiss={dismiss} />
    </main>
  );
}
