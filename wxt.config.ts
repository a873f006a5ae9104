import { defineConfig } from 'wxt';
import preact from '@preact/preset-vite';

/** Fixed Firefox add-on id: sync and storage are keyed by it, so it must never change. */
export const GECKO_ID = 'backstory@backstory.invalid';

export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  // Explicit imports everywhere: code reads the same in tests, entrypoints and lib/.
  imports: false,
  vite: () => ({
    plugins: [preact()],
    build: { target: 'es2022' },
  }),
  webExt: { disabled: true },
  // BACKSTORY_OUT_DIR lets parallel work build into its own folder (the e2e tests read the same variable).
  outDir: process.env.BACKSTORY_OUT_DIR || '.output',
  manifest: ({ browser }) => ({
    name: 'Backstory',
    description:
      'Context for the news you read: marks the people, places and groups you know about and shows their background, timeline and your notes.',
    // Each permission is justified in docs/permissions.md.
    permissions: ['storage', 'unlimitedStorage', 'contextMenus', 'alarms'],
    // Sync: the WebDAV server the user enters is asked for when sync is set up, that server only.
    optional_host_permissions: ['https://*/*', 'http://*/*'],
    action: { default_title: 'Backstory' },
    commands: {
      'next-mention': {
        suggested_key: { default: 'Alt+Shift+J' },
        description: 'Go to the next marked name and open its card',
      },
      'previous-mention': {
        suggested_key: { default: 'Alt+Shift+K' },
        description: 'Go to the previous marked name and open its card',
      },
      'capture-selection': {
        suggested_key: { default: 'Alt+Shift+N' },
        description: 'Capture the selected text: add it as an entity, an alias, a note or an event',
      },
    },
    // The card is an extension page framed into the page: cross-origin, so page scripts cannot read it.
    web_accessible_resources: [
      {
        resources: ['card.html'],
        matches: ['<all_urls>'],
        ...(browser === 'firefox' ? {} : { use_dynamic_url: true }),
      },
    ],
    content_security_policy: {
      extension_pages: "script-src 'self'; object-src 'self'; base-uri 'none'",
    },
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: GECKO_ID,
              // data_collection_permissions arrived in Firefox 140 (142 on Android).
              strict_min_version: '140.0',
              // Backstory sends nothing anywhere: the store stays in the browser unless the user sets up sync.
              data_collection_permissions: { required: ['none'] },
            },
            gecko_android: { strict_min_version: '142.0' },
          },
        }
      : {}),
  }),
});
