/**
 * The benchmark dictionaries: aliases from the GeoNames gazetteer (../shared/fixtures/geonames-cities15000.tsv),
 * every name (column 2) and every alternate name (column 4, comma-separated) of every place, and
 * deterministic samples of them. Shared by the in-page harness and the echo extension's background.
 */
import type { DictionaryEntry } from '../lib/match/dictionary';
import { isCaseSensitive } from '../lib/model';

export interface Gazetteer {
  /** Display name of each place (entity index = row). */
  names: string[];
  /** Every alias, in file order: the name first, then the alternates of the same row. */
  aliases: { text: string; entity: number }[];
}

export function parseGazetteer(tsv: string): Gazetteer {
  const names: string[] = [];
  const aliases: { text: string; entity: number }[] = [];
  for (const line of tsv.split('\n')) {
    if (!line) continue;
    const cols = line.split('\t');
    const name = (cols[1] ?? '').trim();
    const entity = names.length;
    names.push(name);
    if (name) aliases.push({ text: name, entity });
    for (const alt of (cols[3] ?? '').split(',')) {
      const t = alt.trim();
      if (t) aliases.push({ text: t, entity });
    }
  }
  return { names, aliases };
}

/** Small fast seeded PRNG (mulberry32), so every run samples the same aliases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SEED = 20261124;

/**
 * `size` aliases sampled uniformly without replacement (seeded), kept in file order; all of them when
 * size >= the number of aliases. Case rule `auto`, as a pack's plain-string aliases.
 */
export function sampleEntries(g: Gazetteer, size: number): DictionaryEntry[] {
  const n = g.aliases.length;
  let picked: number[];
  if (size >= n) picked = g.aliases.map((_, i) => i);
  else {
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    const rand = prng(SEED);
    for (let i = 0; i < size; i++) {
      const j = i + Math.floor(rand() * (n - i));
      const t = idx[i] as number;
      idx[i] = idx[j] as number;
      idx[j] = t;
    }
    picked = Array.from(idx.subarray(0, size)).sort((a, b) => a - b);
  }
  return picked.map((i) => {
    const a = g.aliases[i] as { text: string; entity: number };
    return { text: a.text, entity: a.entity, caseSensitive: isCaseSensitive({ text: a.text, case: 'auto' }) };
  });
}

/** A stable fake store id per entity (36 characters, like the store's UUIDs) for realistic payloads. */
export function entityId(entity: number): string {
  const h = (entity * 2654435761) >>> 0;
  const hex = h.toString(16).padStart(8, '0') + entity.toString(16).padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8000-${hex.padEnd(12, '0').slice(0, 12)}`;
}
