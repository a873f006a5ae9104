/**
 * Capture from the page: the context menu on a selection and the capture shortcut open a small
 * extension window (capture.html) prefilled with the selection, the page's address and title and the
 * publication date the page declares. The window does the writing, as every extension page does.
 */
import { browser } from 'wxt/browser';
import type { PageCapture, TabCallMessage } from '../messages';

export const CAPTURE_MODES = ['entity', 'alias', 'note', 'event'] as const;
export type CaptureMode = (typeof CAPTURE_MODES)[number];

const MENU_TITLES: Record<CaptureMode, string> = {
  entity: 'Add “%s” as a new entity',
  alias: 'Add “%s” as an alias of…',
  note: 'Add a note to… (quoting the selection)',
  event: 'Add an event… (from the selection)',
};
const MENU_PREFIX = 'backstory-capture-';

/** The capture page's address for a mode and what was captured. */
export function captureUrl(base: string, mode: CaptureMode | null, capture: PageCapture): string {
  const params = new URLSearchParams();
  if (mode) params.set('mode', mode);
  params.set('text', capture.selection.slice(0, 10_000));
  params.set('url', capture.url);
  params.set('title', capture.title);
  if (capture.published) params.set('published', capture.published);
  return `${base}?${params}`;
}

/** Reads a capture page's address back (the page's side of `captureUrl`). */
export function readCaptureUrl(search: string): { mode: CaptureMode | null; capture: PageCapture } {
  const p = new URLSearchParams(search);
  const mode = p.get('mode');
  return {
    mode: (CAPTURE_MODES as readonly string[]).includes(mode ?? '') ? (mode as CaptureMode) : null,
    capture: {
      selection: p.get('text') ?? '',
      url: p.get('url') ?? '',
      title: p.get('title') ?? '',
      published: p.get('published'),
    },
  };
}

/** Registers the selection menu (once per install or update: browsers keep menus across wake-ups). */
export async function createCaptureMenus(): Promise<void> {
  await browser.contextMenus.removeAll();
  for (const mode of CAPTURE_MODES)
    browser.contextMenus.create({ id: `${MENU_PREFIX}${mode}`, title: MENU_TITLES[mode], contexts: ['selection'] });
}

/** What the page says about itself, asked of the frame that holds the selection; null when it cannot answer. */
async function askPage(tabId: number, frameId: number | undefined): Promise<PageCapture | null> {
  const message: TabCallMessage<'tab.capture'> = { backstoryTab: 1, call: 'tab.capture' };
  try {
    const reply = (await browser.tabs.sendMessage(tabId, message, { frameId: frameId ?? 0 })) as
      PageCapture | undefined;
    return reply && typeof reply.url === 'string' ? reply : null;
  } catch {
    return null; // no content script there (a browser page, a PDF, a page loaded before install)
  }
}

export async function openCaptureWindow(mode: CaptureMode | null, capture: PageCapture): Promise<void> {
  const url = captureUrl(browser.runtime.getURL('/capture.html'), mode, capture);
  await browser.windows.create({ url, type: 'popup', width: 480, height: 640 });
}

/** Listeners for the menu and the capture shortcut. */
export function listenForCapture(): void {
  browser.contextMenus.onClicked.addListener((info, tab) => {
    const id = String(info.menuItemId);
    if (!id.startsWith(MENU_PREFIX)) return;
    const mode = id.slice(MENU_PREFIX.length) as CaptureMode;
    void (async () => {
      const fromPage = tab?.id !== undefined ? await askPage(tab.id, info.frameId) : null;
      // The menu knows the selection even where no content script runs; the page adds its date.
      const capture: PageCapture = {
        selection: (info.selectionText ?? fromPage?.selection ?? '').trim(),
        url: fromPage?.url ?? info.frameUrl ?? info.pageUrl ?? tab?.url ?? '',
        title: fromPage?.title ?? tab?.title ?? '',
        published: fromPage?.published ?? null,
      };
      await openCaptureWindow(mode, capture);
    })().catch((e) => console.error('Backstory: could not open the capture window', e));
  });
}

/** The capture shortcut: what is selected in the active tab, in a capture window that lets the user choose. */
export async function captureFromActiveTab(): Promise<void> {
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  if (tab?.id === undefined) return;
  const capture = (await askPage(tab.id, 0)) ?? {
    selection: '',
    url: tab.url ?? '',
    title: tab.title ?? '',
    published: null,
  };
  await openCaptureWindow(capture.selection ? null : 'note', capture);
}
