/**
 * The starter pack ("Iraq and Syria, 2019-2020") is the embedded default: installed on first run,
 * updated when a newer build bundles a newer version, and never reinstalled once the user removed it.
 */
import starterPack from '../../assets/starter-pack.json';
import type { KnowledgeStore } from '../store/store';
import { importPack, type ImportSummary } from '../store/packs';
import { takeSnapshot } from '../store/snapshots';

export const STARTER_PACK: unknown = starterPack;
export const STARTER_PACK_ID = (starterPack as { pack: { id: string } }).pack.id;
const STARTER_VERSION = (starterPack as { pack: { version: string } }).pack.version;
const META_KEY = 'starterPack';

interface StarterState {
  /** The bundled version last installed; absent before the first run. */
  version: string;
}

/**
 * Installs the starter pack on first run, or updates it when the bundled version changed and the user
 * still has it. Returns what was imported, or null when nothing needed doing.
 */
export async function ensureStarterPack(store: KnowledgeStore): Promise<ImportSummary | null> {
  const state = await store.getMeta<StarterState>(META_KEY);
  if (state) {
    if (state.version === STARTER_VERSION) return null;
    if (!(await store.getPack(STARTER_PACK_ID))) return null; // removed by the user: respect that
  }
  // An update goes over the user's data: a snapshot first (none is taken of an empty store).
  const summary = await importPack(store, STARTER_PACK, undefined, {
    beforeWrite: () => takeSnapshot(store, 'before-import'),
  });
  await store.setMeta(META_KEY, { version: STARTER_VERSION } satisfies StarterState);
  return summary;
}
