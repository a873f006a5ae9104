import { defineContentScript } from 'wxt/utils/define-content-script';
import { runContentScript } from '../../lib/content/main';
import './style.css';

export default defineContentScript({
  matches: ['<all_urls>'],
  // Same-origin iframes get their own instance (e.g. embedded live blogs).
  allFrames: true,
  // As soon as the DOM is parsed: marks can be painted shortly after DOMContentLoaded.
  runAt: 'document_end',
  // In the manifest, so the ::highlight() rules apply to the document without adding a node to it.
  cssInjectionMode: 'manifest',
  // WXT would also announce each start with window.postMessage, which every page script can read
  // (and which carries the extension's id). The document event it dispatches is enough to retire an
  // older copy of this script after an update.
  noScriptStartedPostMessage: true,
  main(ctx) {
    void runContentScript(ctx);
  },
});
