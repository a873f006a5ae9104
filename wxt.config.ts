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
  manifest: ({ browser }) => ({
    name: 'Backstory',
    description:
      'Context for the news you read: marks the people, places and groups you know about and shows their background, timeline and your notes.',
    permissions: ['storage', 'unlimitedStorage'],
    action: { default_title: 'Backstory' },
    content_security_policy: {
      extension_pages: "script-src 'self'; object-src 'self'; base-uri 'none'; frame-ancestors 'none'",
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
