import { describe, expect, it } from 'vitest';
import { parsePack } from '../../lib/pack/validate';
import { clone, samplePack } from '../fixtures/packs';

function errorOf(input: unknown) {
  const r = parsePack(input);
  if (r.ok) throw new Error('expected the pack to be refused');
  return r.error;
}

describe('pack validation', () => {
  it('accepts a valid pack, as text or as a value', () => {
    expect(parsePack(samplePack()).ok).toBe(true);
    expect(parsePack(JSON.stringify(samplePack())).ok).toBe(true);
  });

  it('names the field path and what is wrong', () => {
    const pack = clone(samplePack()) as unknown as { entities: { aliases: unknown[] }[] };
    pack.entities[2]!.aliases[0] = '';
    const e = errorOf(pack);
    expect(e.code).toBe('invalid-pack');
    expect(e.issues).toContainEqual({ path: 'entities[2].aliases[0]', message: 'expected a non-empty string' });
    expect(e.message).toContain('entities[2].aliases[0]: expected a non-empty string');
  });

  it.each([
    [(p: any) => delete p.entities[0].name, 'entities[0].name', 'required field is missing'],
    [(p: any) => (p.entities[1].kind = 'country'), 'entities[1].kind', 'expected one of person, place'],
    [(p: any) => (p.entities[0].links[0].url = 'javascript:alert(1)'), 'entities[0].links[0].url', 'http'],
    [(p: any) => (p.events[0].date = '11/03/2020'), 'events[0].date', 'YYYY-MM-DD'],
    [(p: any) => (p.events[0].endDate = '2020-03-01'), 'events[0].endDate', 'before it starts'],
    [(p: any) => (p.entities[0].aliases[1] = 42), 'entities[0].aliases[1]', 'found a number'],
    [(p: any) => (p.entities[0].colour = 'red'), 'entities[0].colour', 'unknown field'],
    [
      (p: any) => (p.entities[2].related[0].entity = 'nobody'),
      'entities[2].related[0].entity',
      'unknown entity id "nobody"',
    ],
    [(p: any) => (p.events[1].entities[0].entity = 'x'), 'events[1].entities[0].entity', 'unknown entity id'],
    [(p: any) => (p.notes[0].about = { event: 'nope' }), 'notes[0].about.event', 'unknown event id'],
    [(p: any) => (p.entities[1].id = 'albu-kamal'), 'entities[1].id', 'duplicate id "albu-kamal"'],
    [(p: any) => (p.pack.id = 'Has Spaces'), 'pack.id', 'expected a pack id'],
    [(p: any) => (p.entities = {}), 'entities', 'expected an array'],
  ])('refuses a broken field (%#)', (breakIt, path, message) => {
    const pack = clone(samplePack());
    breakIt(pack);
    const issue = errorOf(pack).issues?.find((i) => i.path === path);
    expect(issue, `an issue at ${path}`).toBeDefined();
    expect(issue!.message).toContain(message);
  });

  it('accepts references to records elsewhere by global id', () => {
    const pack = clone(samplePack());
    pack.entities![0]!.related = [{ entity: '0b3f6c1e-8d4a-8f00-9a1b-2c3d4e5f6a7b', label: 'near' }];
    expect(parsePack(pack).ok).toBe(true);
  });

  it('refuses a pack from a newer format version with a clear message', () => {
    const e = errorOf({ ...samplePack(), formatVersion: 2, somethingNew: true });
    expect(e.code).toBe('unsupported-version');
    expect(e.message).toMatch(/format version 2.*newer Backstory.*Update Backstory/);
  });

  it('explains files that are not packs at all', () => {
    expect(errorOf('{"entities": [').message).toMatch(/not valid JSON/);
    expect(errorOf('[1,2]').message).toMatch(/expected a JSON object, found an array/);
    expect(errorOf({ hello: 'world' }).message).toMatch(/"format" field is missing/);
  });
});
