// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Code that runs in web pages (content scripts and what only they use). */
const CONTENT_CODE = [
  'entrypoints/content.{ts,tsx}',
  'entrypoints/content/**',
  'entrypoints/*.content.{ts,tsx}',
  'entrypoints/*.content/**',
  'lib/content/**',
];

export default tseslint.config(
  { ignores: ['.output/**', '.wxt/**', 'node_modules/**', 'dist/**', '.tmp/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: CONTENT_CODE,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'idb',
              message:
                'Content scripts must not open IndexedDB: there it belongs to the web page. Ask the background through lib/client.ts.',
            },
          ],
          patterns: [
            {
              group: ['**/store/*', '**/lib/store', '**/background/*'],
              message:
                'Content scripts must not import the store or background code: IndexedDB in a content script belongs to the web page. Use the message contract (lib/client.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests break valid fixtures on purpose, field by field.
    files: ['tests/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['scripts/**', 'tests/**', '*.config.*', '.ci/**', 'bench/**'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: { 'no-console': 'off' },
  },
);
