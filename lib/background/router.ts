/**
 * The background's side of the message contract: who is calling, is the call allowed, is its input
 * valid, and the handler's result or failure as a value.
 */
import { CALL_ACCESS, isCallMessage, type CallName, type CallOutputs, type ParsedInput } from '../messages';
import { CALL_INPUTS } from './calls';
import { AppFailure, err, ok, toAppError, type Result } from '../result';
import type { KnowledgeStore } from '../store/store';
import { exportPack, importPack, removePack } from '../store/packs';
import { deleteSnapshot, listSnapshots, restoreSnapshot, takeSnapshot, type SnapshotReason } from '../store/snapshots';
import { formatPath } from '../pack/validate';
import type { DictionaryService } from './dictionary';
import type { SeenPages } from './seen';
import { SearchIndex } from './search';
import { SyncService } from './sync-service';
import { storageQuota } from '../sync/browser-storage';
import { CsvError, csvPackId, csvToPack, parseCsv, type CsvKind } from '../pack/csv';
import { foldKey } from '../text';

export type Handlers = { [K in CallName]: (input: ParsedInput<K>, sender: Sender) => Promise<CallOutputs[K]> };

/** The parts of `runtime.MessageSender` the router looks at. */
export interface Sender {
  id?: string;
  url?: string;
  tab?: unknown;
}

export interface RouterEnv {
  /** This extension's id (`browser.runtime.id`). */
  runtimeId: string;
  /** This extension's origin with a trailing slash (`browser.runtime.getURL('/')`). */
  extensionOrigin: string;
  handlers: Handlers;
}

export type Role = 'extension' | 'page';

/**
 * Extension pages (popup, manager) run at the extension's own origin; a content script runs in a tab
 * whose URL is the web page's. Anything not from this extension is nobody.
 */
export function senderRole(sender: Sender, env: Pick<RouterEnv, 'runtimeId' | 'extensionOrigin'>): Role | null {
  if (sender.id !== env.runtimeId) return null;
  if (typeof sender.url === 'string' && sender.url.startsWith(env.extensionOrigin)) return 'extension';
  return sender.tab ? 'page' : null;
}

/** Handles one incoming message; returns undefined for messages that are not calls of this contract. */
export async function dispatch(message: unknown, sender: Sender, env: RouterEnv): Promise<Result<unknown> | undefined> {
  if (!isCallMessage(message)) return undefined;
  const name = message.call;
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(CALL_ACCESS, name))
    return err('unknown-call', `Unknown call: ${String(name).slice(0, 100)}.`);
  const role = senderRole(sender, env);
  if (role === null) return err('forbidden', 'Calls are accepted only from this extension.');
  if (CALL_ACCESS[name as CallName] === 'extension' && role !== 'extension')
    return err('forbidden', `"${name}" can only be called from the extension's own pages.`);
  const parsed = CALL_INPUTS[name as CallName].safeParse(message.input ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
    // Read by people (forms show it as "Not saved: …"): the field's path without the call's wrapper.
    const field = issues[0]!.path.replace(/^(entity|event|note)\./, '');
    return err('invalid-input', `${field}: ${issues[0]!.message}.`, issues);
  }
  try {
    const handler = env.handlers[name as CallName] as (input: unknown, sender: Sender) => Promise<unknown>;
    return ok(await handler(parsed.data, sender));
  } catch (e) {
    return { ok: false, error: toAppError(e) };
  }
}

export interface HandlerHooks {
  /** Called after every committed write (open pages refresh what they show). */
  onWrite?: () => void;
  /** Makes the sync service (the background keeps it for its alarms); `onChanged` after a sync wrote. */
  sync?: (onChanged: () => void) => SyncService;
  /** Progress of a long import started with a job id. */
  progress?: (job: string, done: number, total: number) => void;
}

/** The handlers, backed by the store, the dictionary built from it and the pages seen. */
export function createHandlers(
  store: KnowledgeStore,
  dictionary: DictionaryService,
  seen: SeenPages,
  hooks: HandlerHooks = {},
): Handlers {
  const search = new SearchIndex(store);
  /** Runs a write, then drops what was derived from the store before it. */
  const writing =
    <I, O>(fn: (input: I) => Promise<O>) =>
    async (input: I): Promise<O> => {
      const out = await fn(input);
      search.invalidate();
      hooks.onWrite?.();
      return out;
    };
  /** A write that can change names or aliases: the dictionary is rebuilt too. */
  const renaming = <I, O>(fn: (input: I) => Promise<O>) =>
    writing(async (input: I): Promise<O> => {
      const out = await fn(input);
      dictionary.invalidate();
      return out;
    });
  const sync = (hooks.sync ?? ((onChanged) => new SyncService(store, onChanged)))(() => {
    search.invalidate();
    dictionary.invalidate();
    hooks.onWrite?.();
  });
  /** A snapshot of the store before a risky change; when it cannot be saved, the change does not run. */
  const safety = (reason: SnapshotReason) => ({ beforeWrite: () => takeSnapshot(store, reason) });
  const progressOf = (job: string | undefined) =>
    job && hooks.progress ? (done: number, total: number) => hooks.progress!(job, done, total) : undefined;
  return {
    'page.match': async ({ texts, title }, sender) => {
      const reply = await dictionary.match(texts);
      if (reply.entities.length && sender.url)
        await seen.record(
          reply.entities.map((e) => e.id),
          sender.url,
          title,
        );
      return reply;
    },
    'seen.get': ({ entityId }) => seen.get(entityId),
    'seen.clear': async ({ entityId }) => (await seen.clear(entityId), null),
    'card.get': async ({ entityId }) => (await store.card(entityId)) ?? null,
    'store.stats': () => store.stats(),
    'entities.list': () => store.listEntities(),
    'entities.byAlias': ({ text }) => store.findByAlias(text),
    'entity.get': async ({ id }) => (await store.getEntity(id)) ?? null,
    'entity.save': renaming(({ id, entity }) => store.saveEntity(entity, id)),
    'entity.delete': renaming(async ({ id }) => (await store.deleteEntity(id), null)),
    'events.list': () => store.listEvents(),
    'events.ofEntity': ({ entityId }) => store.eventsOf(entityId),
    'event.save': writing(({ id, event }) => store.saveEvent(event, id)),
    'event.delete': writing(async ({ id }) => (await store.deleteEvent(id), null)),
    'notes.recent': ({ limit }) => store.recentNotes(limit),
    'notes.list': () => store.listNotes(),
    'notes.about': ({ id }) => store.notesAbout(id),
    'note.save': writing(({ id, note }) => store.saveNote(note, id)),
    'note.delete': writing(async ({ id }) => (await store.deleteNote(id), null)),
    'record.restore': renaming(({ type, id }) => store.restore(type, id)),
    'entities.merge': renaming(async ({ keepId, mergeId }) => {
      await safety('before-merge').beforeWrite();
      return store.mergeEntities(keepId, mergeId);
    }),
    search: ({ query, limit }) => search.search(query, limit),
    'packs.list': () => store.listPacks(),
    'pack.import': renaming(({ text, job }) => importPack(store, text, progressOf(job), safety('before-import'))),
    'pack.export': (options) => exportPack(store, options),
    'pack.remove': renaming(({ packId, notes }) => removePack(store, packId, { notes }, safety('before-pack-remove'))),
    'sync.configure': (input) => sync.configure(input),
    'sync.now': ({ allowLoss }) => sync.syncNow({ allowLoss }),
    'sync.test': async (input) => ({ message: await sync.testConnection(input) }),
    'sync.quota': () => storageQuota(),
    'sync.disconnect': () => sync.disconnect(),
    'sync.conflicts': () => store.listConflicts(),
    'sync.resolve': renaming(({ type, id, field, value }) => store.resolveField(type, id, field, value)),
    'sync.snapshots': () => sync.snapshots(),
    'sync.restore': ({ id }) => sync.restoreSnapshot(id),
    'backup.export': async ({ passphrase }) => ({
      fileName: `backstory-backup-${new Date().toISOString().slice(0, 10)}.json`,
      text: await sync.exportBackup(passphrase),
    }),
    'backup.import': ({ text, passphrase }) => sync.importBackup(text, passphrase, safety('before-backup-import')),
    'csv.import': renaming(async ({ text, kind, fileName, job }) => {
      const { doc, warnings } = await csvDocument(store, text, kind, fileName);
      return { ...(await importPack(store, doc, progressOf(job), safety('before-import'))), warnings };
    }),
    'snapshots.list': () => listSnapshots(store),
    // A snapshot the user asks for is always taken (only automatic ones skip an unchanged store).
    'snapshots.create': async () => (await takeSnapshot(store, 'manual'))!,
    'snapshots.restore': renaming(({ id }) => restoreSnapshot(store, id)),
    'snapshots.delete': async ({ id }) => (await deleteSnapshot(store, id), null),
  };
}

/**
 * A CSV file as a pack named after the file (so importing the updated sheet again updates the same
 * records). Names in an events sheet are looked up among the store's entities by name and alias.
 */
async function csvDocument(store: KnowledgeStore, text: string, kind: CsvKind, fileName: string) {
  try {
    const table = parseCsv(text);
    const byName = new Map<string, string | null>();
    if (kind === 'events')
      for (const e of await store.listEntities())
        for (const key of e.aliasKeys) byName.set(key, byName.has(key) && byName.get(key) !== e.id ? null : e.id);
    const id = csvPackId(fileName);
    const prev = await store.getPack(id);
    return csvToPack(table, {
      kind,
      pack: {
        id,
        title: prev?.title ?? fileName.replace(/\.csv$/i, ''),
        version: new Date().toISOString().slice(0, 10),
      },
      resolveEntity: (name) => byName.get(foldKey(name)) ?? null,
    });
  } catch (e) {
    if (e instanceof CsvError) throw new AppFailure({ code: 'invalid-pack', message: e.message });
    throw e;
  }
}
