import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { AppError, Result } from '../../lib/result';
import type { ImportSummary } from '../../lib/store/packs';
import { detectKind, parseCsv, type CsvKind } from '../../lib/pack/csv';
import { isolate } from '../../lib/text';
import { plural, type Api } from '../ui/api';
import type { SubscribeProgress } from './types';

/** Larger files are refused before they are read (the store refuses longer texts anyway). */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

export type ImportState =
  | { phase: 'idle' }
  | { phase: 'reading'; fileName: string }
  /** A spreadsheet read: the user confirms what its rows are before it is imported. */
  | { phase: 'kind'; fileName: string; text: string; kind: CsvKind; detected: boolean }
  | { phase: 'importing'; fileName: string; done: number; total: number }
  | { phase: 'done'; summary: ImportSummary; warnings: string[] }
  | { phase: 'failed'; message: string; issues: NonNullable<AppError['issues']> };

const failed = (message: string, issues: AppError['issues'] = []): ImportState => ({
  phase: 'failed',
  message,
  issues,
});

function typeOf(file: File): 'json' | 'csv' | null {
  const name = file.name.toLowerCase();
  if (name.endsWith('.json') || file.type === 'application/json') return 'json';
  if (name.endsWith('.csv') || file.type === 'text/csv') return 'csv';
  return null;
}

/** What a spreadsheet's header says it lists (its first line is enough, and cheap to parse). */
function guessKind(text: string): CsvKind | null {
  const end = text.search(/[\r\n]/);
  try {
    return detectKind(parseCsv(end < 0 ? text : text.slice(0, end)).header);
  } catch {
    return null;
  }
}

/**
 * The import flow, shared by the file picker and drops anywhere on the packs panel: check the file,
 * read it, (for a spreadsheet) confirm what it lists, then import it with live progress.
 */
export function usePackImport(api: Api, subscribeProgress: SubscribeProgress, onImported: () => void) {
  const [state, setState] = useState<ImportState>({ phase: 'idle' });
  const busy = state.phase === 'reading' || state.phase === 'importing';

  const run = async (
    fileName: string,
    call: (job: string) => Promise<Result<ImportSummary & { warnings?: string[] }>>,
  ) => {
    const job = crypto.randomUUID();
    setState({ phase: 'importing', fileName, done: 0, total: 0 });
    // Subscribed before the call starts, so that no progress report is missed.
    const unsubscribe = subscribeProgress(job, (done, total) =>
      setState((s) => (s.phase === 'importing' ? { ...s, done, total } : s)),
    );
    let r: Awaited<ReturnType<typeof call>>;
    try {
      r = await call(job);
    } finally {
      unsubscribe();
    }
    if (!r.ok) return setState(failed(r.error.message, r.error.issues));
    setState({ phase: 'done', summary: r.value, warnings: r.value.warnings ?? [] });
    onImported();
  };

  const importFile = async (file: File) => {
    if (busy) return;
    const type = typeOf(file);
    if (!type)
      return setState(
        failed(
          `“${isolate(file.name)}” is not a pack or a spreadsheet. Choose a Backstory pack (.json) or a CSV file (.csv).`,
        ),
      );
    if (file.size > MAX_IMPORT_BYTES)
      return setState(
        failed(
          `“${isolate(file.name)}” is too large to import (${(file.size / 1024 / 1024).toFixed(0)} MB; the limit is 64 MB). Split it into smaller files.`,
        ),
      );
    setState({ phase: 'reading', fileName: file.name });
    let text: string;
    try {
      text = await file.text();
    } catch (e) {
      return setState(failed(`“${isolate(file.name)}” could not be read (${(e as Error)?.message ?? String(e)}).`));
    }
    if (text.trim() === '') return setState(failed(`“${isolate(file.name)}” is empty.`));
    if (type === 'json') return run(file.name, (job) => api('pack.import', { text, job }));
    const kind = guessKind(text);
    setState({ phase: 'kind', fileName: file.name, text, kind: kind ?? 'entities', detected: kind !== null });
  };

  const chooseKind = (kind: CsvKind) => setState((s) => (s.phase === 'kind' ? { ...s, kind } : s));

  const importCsv = () => {
    if (state.phase !== 'kind') return;
    const { text, kind, fileName } = state;
    return run(fileName, (job) => api('csv.import', { text, kind, fileName, job }));
  };

  return { state, busy, importFile, chooseKind, importCsv, reset: () => setState({ phase: 'idle' }) };
}

export type PackImporter = ReturnType<typeof usePackImport>;

/** "Imported “Title” 1.0.0: 27 added, 3 updated, 0 unchanged." and what else happened. */
function summaryLines(s: ImportSummary): string[] {
  const n = (x: number) => x.toLocaleString();
  const lines = [
    `Imported “${isolate(s.pack.title)}” ${isolate(s.pack.version)}: ${n(s.added)} added, ${n(s.updated)} updated, ${n(s.unchanged)} unchanged.`,
  ];
  if (s.keptEdits)
    lines.push(`${s.keptEdits === 1 ? '1 of your edits was' : `${n(s.keptEdits)} of your edits were`} kept.`);
  if (s.removed)
    lines.push(
      s.removed === 1
        ? '1 record the new version no longer has was removed.'
        : `${n(s.removed)} records the new version no longer has were removed.`,
    );
  return lines;
}

/**
 * Importing a pack or a spreadsheet: a labelled file picker and a drop zone (also a button that opens
 * the picker), then the CSV kind choice, the progress bar, and the outcome.
 */
export default function PackImport({ importer, dragging }: { importer: PackImporter; dragging: boolean }) {
  const id = useId();
  const { state, busy, importFile, chooseKind, importCsv, reset } = importer;
  const input = useRef<HTMLInputElement>(null);
  const outcome = useRef<HTMLDivElement>(null);
  const zone = useRef<HTMLDivElement>(null);
  const cancel = () => {
    reset();
    zone.current?.focus();
  };

  useEffect(() => {
    if (state.phase === 'kind') document.getElementById(`${id}-kind-${state.kind}`)?.focus();
    if (state.phase === 'done' || state.phase === 'failed') outcome.current?.focus();
  }, [state.phase]);

  const openPicker = () => {
    if (!busy) input.current?.click();
  };

  return (
    <section class="import" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Import</h3>
      <div class="field">
        <label for={`${id}-file`}>Import a pack (.json) or a spreadsheet (.csv)</label>
        <input
          ref={input}
          id={`${id}-file`}
          type="file"
          accept=".json,.csv,application/json,text/csv"
          disabled={busy}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            if (file) void importFile(file);
            e.currentTarget.value = ''; // choosing the same file again imports it again
          }}
        />
      </div>
      <div
        ref={zone}
        class={`drop-zone${dragging ? ' dragging' : ''}`}
        role="button"
        tabIndex={0}
        aria-disabled={busy ? true : undefined}
        aria-labelledby={`${id}-drop-label`}
        aria-describedby={`${id}-drop-hint`}
        onClick={openPicker}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            openPicker();
          }
        }}
      >
        <span id={`${id}-drop-label`}>Drop a pack (.json) or a spreadsheet (.csv) here</span>
        <span class="hint" id={`${id}-drop-hint`}>
          or press Enter to choose a file. Nothing changes until the whole file has been checked.
        </span>
      </div>

      {state.phase === 'kind' && (
        <form
          class="editor"
          onSubmit={(e) => {
            e.preventDefault();
            void importCsv();
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              cancel();
            }
          }}
        >
          <fieldset>
            <legend dir="auto">What does “{isolate(state.fileName)}” list?</legend>
            {(['entities', 'events'] as const).map((k) => (
              <label key={k} class="check">
                <input
                  type="radio"
                  id={`${id}-kind-${k}`}
                  name={`${id}-kind`}
                  checked={state.kind === k}
                  onChange={() => chooseKind(k)}
                />
                {k === 'entities' ? 'Entities (people, places, groups…)' : 'Events'}
              </label>
            ))}
            <p class="hint">
              {state.detected
                ? 'Chosen from its column names; change it if that is wrong.'
                : 'Its column names do not say; choose what its rows are.'}
            </p>
          </fieldset>
          <div class="actions">
            <button type="submit" class="primary">
              Import
            </button>
            <button type="button" onClick={cancel}>
              Cancel
            </button>
          </div>
        </form>
      )}

      {(state.phase === 'reading' || state.phase === 'importing') && (
        <div class="import-progress">
          <p id={`${id}-progress`} role="status" dir="auto">
            {state.phase === 'reading'
              ? `Reading “${isolate(state.fileName)}”…`
              : state.total
                ? `Importing… ${state.done.toLocaleString()} of ${plural(state.total, 'record')}`
                : `Importing “${isolate(state.fileName)}”…`}
          </p>
          {state.phase === 'importing' && state.total > 0 ? (
            <progress aria-labelledby={`${id}-progress`} max={state.total} value={state.done} />
          ) : (
            <progress aria-labelledby={`${id}-progress`} />
          )}
        </div>
      )}

      {state.phase === 'done' && (
        <div class="import-outcome ok-box" role="status" tabIndex={-1} ref={outcome}>
          {summaryLines(state.summary).map((line) => (
            <p key={line} dir="auto">
              {line}
            </p>
          ))}
          {state.warnings.length > 0 && (
            <>
              <p>{plural(state.warnings.length, 'warning')}:</p>
              <ul class="issues">
                {state.warnings.map((w, i) => (
                  <li key={i} dir="auto">
                    {w}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}

      {state.phase === 'failed' && (
        <div class="import-outcome error-box" role="alert" tabIndex={-1} ref={outcome}>
          <p dir="auto">{state.message}</p>
          {state.issues.length > 0 && (
            <ul class="issues">
              {state.issues.map((issue, i) => (
                <li key={i}>
                  <code>{issue.path}</code>: <span dir="auto">{issue.message}</span>
                </li>
              ))}
            </ul>
          )}
          <p>Nothing was changed.</p>
        </div>
      )}
    </section>
  );
}
