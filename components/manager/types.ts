import type { UndoOffer } from '../ui/Undo';
import type { Api } from '../ui/api';

/** What every panel of the manager gets from the page around it. */
export interface PanelProps {
  api: Api;
  /** Changes whenever the store changed (here or anywhere else): reload what is shown. */
  revision: number;
  /** Offers undo after a delete (the page shows one undo bar for all panels). */
  offerUndo: (offer: UndoOffer) => void;
  /** The record to open first, from the address (#entity=…, #event=…). */
  focusId: string | null;
  /** Moves to another panel, optionally opening a record there. */
  navigate: (route: Route) => void;
}

export type PanelName = 'entities' | 'events' | 'notes' | 'packs' | 'sync';
export interface Route {
  panel: PanelName;
  id?: string | null;
}

/** Progress of a long import, from the background (`ProgressMessage`). */
export type SubscribeProgress = (job: string, onProgress: (done: number, total: number) => void) => () => void;
