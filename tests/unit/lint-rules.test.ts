// @vitest-environment node
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIds(code: string, filePath: string) {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('architecture lint rules', () => {
  it.each([
    ['entrypoints/content.ts', "import { openDB } from 'idb';\nexport const x = openDB;\n"],
    ['entrypoints/marks.content/index.ts', "import { openDB } from 'idb';\nexport const x = openDB;\n"],
    ['lib/content/scanner.ts', "import { KnowledgeStore } from '../store/store';\nexport const x = KnowledgeStore;\n"],
  ])('forbids the store in content-script code (%s)', async (file, code) => {
    const messages = await ruleIds(code, file);
    expect(messages.some((m) => m.startsWith('no-restricted-imports') && /belongs to the web page/.test(m))).toBe(true);
  });

  it('allows the store in background code', async () => {
    const messages = await ruleIds("import { openDB } from 'idb';\nexport const x = openDB;\n", 'lib/store/other.ts');
    expect(messages.filter((m) => m.startsWith('no-restricted-imports'))).toEqual([]);
  });
});
