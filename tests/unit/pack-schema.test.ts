// @vitest-environment node
import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { packJsonSchema } from '../../lib/pack/schema';
import { parsePack } from '../../lib/pack/validate';
import { clone, samplePack } from '../fixtures/packs';

const SCHEMA_FILE = new URL('../../docs/pack.schema.json', import.meta.url);
const STARTER_FILE = new URL('../../assets/starter-pack.json', import.meta.url);

if (process.env.UPDATE_SCHEMA) writeFileSync(SCHEMA_FILE, `${JSON.stringify(packJsonSchema(), null, 2)}\n`);

const committed = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateWithSchemaFile = ajv.compile(committed);

describe('docs/pack.schema.json', () => {
  it('is exactly what the code validates with (regenerate with `npm run schema`)', () => {
    expect(committed).toEqual(packJsonSchema());
  });

  it('accepts the bundled starter pack, as does the importer', () => {
    const starter = JSON.parse(readFileSync(STARTER_FILE, 'utf8'));
    expect(validateWithSchemaFile(starter), JSON.stringify(validateWithSchemaFile.errors)).toBe(true);
    const parsed = parsePack(starter);
    expect(parsed.ok, parsed.ok ? '' : parsed.error.message).toBe(true);
  });

  // Field-level rules: the schema file and the importer agree on each of these.
  const broken: [string, (p: any) => void][] = [
    ['empty alias', (p) => (p.entities[0].aliases[0] = '')],
    ['unknown kind', (p) => (p.entities[0].kind = 'planet')],
    ['javascript: link', (p) => (p.entities[0].links[0].url = 'javascript:alert(1)')],
    ['bad date', (p) => (p.events[0].date = '2020/03/11')],
    ['unknown field', (p) => (p.entities[0].extra = 1)],
    ['missing name', (p) => delete p.entities[0].name],
    ['wrong format tag', (p) => (p.format = 'other')],
    ['bad note time', (p) => (p.notes[0].created = 'yesterday')],
  ];
  it.each(broken)('both refuse a pack with %s', (_, breakIt) => {
    const pack = clone(samplePack());
    breakIt(pack);
    expect(validateWithSchemaFile(pack)).toBe(false);
    expect(parsePack(pack).ok).toBe(false);
  });

  it('both accept the sample pack', () => {
    expect(validateWithSchemaFile(samplePack())).toBe(true);
    expect(parsePack(samplePack()).ok).toBe(true);
  });
});
